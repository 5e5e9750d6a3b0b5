package cn.hotline.ivr.cli;

import cn.hotline.ivr.ops.Settings;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;

/** {@code ivr prompts --config FILE}: prompt name and text, tab-separated, for scripts/gen-prompts. */
final class PromptsCommand implements Command {
    @Override
    public String name() {
        return "prompts";
    }

    @Override
    public String usage() {
        return "prompts --config FILE        list prompt names and texts (TSV, used by scripts/gen-prompts)";
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws Exception {
        Path file = Path.of(args.required("--config"));
        args.done();
        Settings settings = Settings.load(file, Map.of());
        settings.flow().promptTexts().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> out.println(e.getKey() + "\t" + e.getValue().replace('\t', ' ').replace('\n', ' ')));
        return 0;
    }
}
