package cn.hotline.ivr.understanding;

import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.cli.Main;
import cn.hotline.ivr.ops.Json;
import cn.hotline.ivr.testing.SharedData;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The measured numbers of docs/understanding.md as regression floors, by 5-fold cross-validation on
 * the shared development data (skipped when it is absent; nothing derived from it is kept). The
 * topic floor is the target (0.85, met with the taxonomy); the domain and region-recall floors
 * sit under the measured values because those targets (0.60 / 0.60) are not reached, see the document.
 */
class DevelopmentDataTest {
    private static JsonNode last(String... argv) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(argv, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertTrue(code == 0, err.toString(StandardCharsets.UTF_8));
        String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
        return Json.MAPPER.readTree(lines[lines.length - 1]);
    }

    @Test
    void topicCrossValidation() throws Exception {
        Path data = SharedData.require("data/teddy2020c_topic_dev.jsonl");
        Path taxonomy = SharedData.require("data/teddy2020c_taxonomy_fj1.tsv");
        JsonNode r = last("eval-nlu", "--train", data.toString(), "--label", "label_l1", "--folds", "5",
                "--taxonomy", taxonomy.toString());
        assertTrue(r.get("macro_f1").asDouble() >= 0.85, r.toString());
        assertTrue(r.get("n").asInt() == 347, r.toString());
    }

    @Test
    void domainCrossValidation() throws Exception {
        Path data = SharedData.require("data/liuyan_zhejiang_dev.jsonl");
        JsonNode r = last("eval-nlu", "--train", data.toString(), "--label", "domain", "--folds", "5");
        assertTrue(r.get("macro_f1").asDouble() >= 0.42, r.toString());
    }

    @Test
    void regionResolution() throws Exception {
        Path data = SharedData.require("data/liuyan_zhejiang_dev.jsonl");
        JsonNode r = last("eval-region", "--test", data.toString(), "--label", "district_from_forum", "--city", "杭州市");
        assertTrue(r.get("precision").asDouble() >= 0.95, r.toString());
        assertTrue(r.get("recall").asDouble() >= 0.45, r.toString());
    }

    @Test
    void sharedDivisionTablesLoadLikeTheBundledOnes() throws Exception {
        Path dir = SharedData.require("data/admin_divisions");
        Divisions shared = Divisions.load(dir);
        assertTrue(shared.size() == Divisions.load(null).size() && shared.size() > 44_000, "" + shared.size());
        assertTrue(shared.citiesForAreaCode("0571").contains("杭州市"));
    }
}
