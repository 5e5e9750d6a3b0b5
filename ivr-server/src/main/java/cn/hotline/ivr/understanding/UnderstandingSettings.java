package cn.hotline.ivr.understanding;

import cn.hotline.ivr.ops.ConfigFile;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Section {@code understanding.*}. Every data path is optional: without it the bundled default
 * (catalogue, division tables, aliases, emergency rules) is used, and without a trained model the
 * catalogue's keyword rules classify.
 *
 * @param catalogue      dispatch catalogue YAML ({@code understanding.catalogue})
 * @param divisions      directory with the division CSVs ({@code understanding.divisions})
 * @param regionAliases  alias YAML ({@code understanding.region-aliases})
 * @param emergencyRules emergency rules YAML ({@code understanding.emergency-rules})
 * @param homeCity       the line's home city, e.g. 杭州市 ({@code understanding.home-city}; empty: national)
 * @param unknownBelow   confidence under which topic and type are "unknown" ({@code understanding.unknown-below})
 * @param topicModel     directory written by {@code ivr train-nlu} for topics ({@code understanding.topic-model})
 * @param typeModel      same for request types ({@code understanding.type-model})
 */
public record UnderstandingSettings(Optional<Path> catalogue, Optional<Path> divisions, Optional<Path> regionAliases,
                                    Optional<Path> emergencyRules, String homeCity, double unknownBelow,
                                    Optional<Path> topicModel, Optional<Path> typeModel) {

    public static UnderstandingSettings read(ConfigFile cfg) {
        return new UnderstandingSettings(
                cfg.existingPath("understanding.catalogue"),
                directory(cfg, "understanding.divisions", "the folder with the division CSVs (scripts/fetch-divisions)"),
                cfg.existingPath("understanding.region-aliases"),
                cfg.existingPath("understanding.emergency-rules"),
                cfg.string("understanding.home-city", ""),
                cfg.decimal("understanding.unknown-below", 0.35, 0, 1),
                cfg.existingPath("understanding.topic-model"),
                cfg.existingPath("understanding.type-model"));
    }

    private static Optional<Path> directory(ConfigFile cfg, String key, String what) {
        Optional<Path> path = cfg.existingPath(key);
        if (path.isPresent() && !java.nio.file.Files.isDirectory(path.get())) {
            cfg.problem(key, path.get() + " is not a directory: expected " + what);
            return Optional.empty();
        }
        return path;
    }

    public static UnderstandingSettings defaults() {
        return read(ConfigFile.defaults());
    }
}
