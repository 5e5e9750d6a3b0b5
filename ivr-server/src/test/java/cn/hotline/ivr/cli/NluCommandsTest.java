package cn.hotline.ivr.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.ops.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NluCommandsTest {
    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {
        String lastLine() {
            String[] lines = out.strip().split("\n");
            return lines[lines.length - 1];
        }
    }

    private static Run run(String... argv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(argv, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** A small labelled file with one malformed line (line 3) in it. */
    private Path data() throws Exception {
        List<String> lines = new ArrayList<>();
        String[][] rows = {
            {"停水", "家里停水了"}, {"停水", "自来水又停了"}, {"停水", "小区停水三天"}, {"停水", "水压低没水用"},
            {"停水", "突然断水了"}, {"学校", "学校乱收费"}, {"学校", "孩子入学难"}, {"学校", "幼儿园招生"},
            {"学校", "老师体罚学生"}, {"学校", "学区划片不合理"}};
        for (String[] r : rows) {
            lines.add(Json.write(java.util.Map.of("title", r[1], "text", "", "topic", r[0], "district", "西湖区")));
            if (lines.size() == 2) {
                lines.add("{\"title\": broken");
            }
        }
        Path file = dir.resolve("data.jsonl");
        Files.write(file, lines);
        return file;
    }

    @Test
    void classifyPrintsTheUnderstandingAsJson() throws Exception {
        Run r = run("classify", "--city", "杭州市", "西湖区转塘街道停水三天了");
        assertEquals(0, r.code(), r.err());
        JsonNode json = Json.MAPPER.readTree(r.out());
        assertEquals("utilities.water", json.at("/topic/code").asText());
        assertEquals("西湖区", json.at("/region/district").asText());
        assertEquals(2, run("classify").code());
    }

    @Test
    void evalNluReportsBadLinesAndEndsWithJson() throws Exception {
        Path file = data();
        Run r = run("eval-nlu", "--train", file.toString(), "--label", "topic", "--folds", "2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains(file + ":3: malformed JSON"), r.err());
        JsonNode last = Json.MAPPER.readTree(r.lastLine());
        assertEquals(10, last.get("n").asInt());
        assertTrue(last.get("macro_f1").asDouble() >= 0 && last.has("accuracy"));

        Run stop = run("eval-nlu", "--train", file.toString(), "--label", "topic", "--stop-on-error");
        assertEquals(1, stop.code());
        assertTrue(stop.err().contains(file + ":3:") && stop.err().contains("--stop-on-error"), stop.err());
        assertFalse(stop.err().contains("Exception"), stop.err());

        Run withTest = run("eval-nlu", "--train", file.toString(), "--test", file.toString(), "--label", "topic",
                "--input", "recognizer");
        assertEquals(0, withTest.code(), withTest.err());
        assertEquals(1.0, Json.MAPPER.readTree(withTest.lastLine()).get("accuracy").asDouble(), 1e-9);
    }

    @Test
    void classifyRefusesAnUnknownCityInsteadOfIgnoringIt() {
        Run mars = run("classify", "--city", "火星市", "路灯坏了");
        assertEquals(2, mars.code());
        assertEquals("", mars.out());
        assertEquals("classify: no city called '火星市' in bundled division tables", mars.err().strip());
        Run typo = run("classify", "--city", "杭洲市", "路灯坏了");
        assertEquals(2, typo.code());
        assertTrue(typo.err().contains("did you mean 杭州市"), typo.err());
        assertEquals(0, run("classify", "--city", "杭州", "路灯坏了").code());
    }

    @Test
    void trainNluWritesAModelTheServerCanLoad() throws Exception {
        Path model = dir.resolve("model");
        Run r = run("train-nlu", "--data", data().toString(), "--label", "topic", "--out", model.toString());
        assertEquals(0, r.code(), r.err());
        Path config = dir.resolve("ivr.yaml");
        Files.writeString(config, "understanding:\n  topic-model: model\n  home-city: 杭州市\n");
        Run c = run("classify", "--config", config.toString(), "孩子入学的事情");
        assertEquals(0, c.code(), c.err());
        JsonNode json = Json.MAPPER.readTree(c.out());
        assertEquals("model", json.at("/topic/source").asText());
    }

    @Test
    void trainNluSaysWhyItCannotUseItsInputsOrOutput() throws Exception {
        Path data = data();
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        Run onFile = run("train-nlu", "--data", data.toString(), "--label", "topic", "--out", file.toString());
        assertEquals(2, onFile.code());
        assertTrue(onFile.err().contains("train-nlu: --out " + file + " is an existing file; give a directory"), onFile.err());
        Run under = run("train-nlu", "--data", data.toString(), "--label", "topic", "--out", file.resolve("m").toString());
        assertEquals(2, under.code());
        assertTrue(under.err().contains("cannot create the model directory " + file.resolve("m") + ": "), under.err());
        Run folder = run("train-nlu", "--data", dir.toString(), "--label", "topic", "--out", dir.resolve("m").toString());
        assertEquals(1, folder.code());
        assertEquals("train-nlu: " + dir + ": is a directory; give JSONL files (one JSON record a line)", folder.err().strip());
        Run jsonTaxonomy = run("train-nlu", "--data", data.toString(), "--label", "topic", "--out", dir.resolve("m").toString(),
                "--taxonomy", data.toString());
        assertEquals(1, jsonTaxonomy.code());
        assertTrue(jsonTaxonomy.err().contains(data + ":1: expected TAB-separated columns level1, level2[, level3]"
                + " with a header line first; this looks like JSON lines"), jsonTaxonomy.err());
        for (Run r : List.of(onFile, under, folder, jsonTaxonomy)) {
            assertFalse(r.err().contains("Exception"), r.err());
        }
    }

    @Test
    void trainNluRefusesASingleLabel() throws Exception {
        Path one = dir.resolve("one.jsonl");
        Files.write(one, List.of("{\"title\": \"家里停水了\", \"topic\": \"停水\"}", "{\"title\": \"小区停水\", \"topic\": \"停水\"}"));
        Run r = run("train-nlu", "--data", one.toString(), "--label", "topic", "--out", dir.resolve("m").toString());
        assertEquals(1, r.code());
        assertEquals("train-nlu: every one of the 2 records has 'topic' = '停水': a classifier needs records of at least 2 labels",
                r.err().strip());
        assertFalse(Files.exists(dir.resolve("m")), "no model directory is left behind");
    }

    @Test
    void aByteOrderMarkIsNotPartOfTheFirstRecord() throws Exception {
        Path bom = dir.resolve("bom.jsonl");
        Files.writeString(bom, "\uFEFF" + String.join("\n", Files.readAllLines(data()).subList(0, 2)) + "\n"
                + String.join("\n", Files.readAllLines(data()).subList(3, 11)) + "\n");
        Run r = run("train-nlu", "--data", bom.toString(), "--label", "topic", "--out", dir.resolve("m").toString());
        assertEquals(0, r.code(), r.err());
        assertFalse(r.err().contains("malformed"), r.err());
        assertTrue(r.out().startsWith("trained on 10 records"), r.out());
    }

    @Test
    void aFileThatIsNotUtf8IsNamed() throws Exception {
        Path gbk = dir.resolve("gbk.jsonl");
        Files.write(gbk, "{\"title\": \"家里停水了\", \"topic\": \"停水\"}\n".getBytes(java.nio.charset.Charset.forName("GBK")));
        Run r = run("train-nlu", "--data", gbk.toString(), "--label", "topic", "--out", dir.resolve("m").toString());
        assertEquals(1, r.code());
        assertEquals("train-nlu: " + gbk + ": not UTF-8 text (convert it first, e.g. iconv -f GBK -t UTF-8)", r.err().strip());
        Run taxonomy = run("train-nlu", "--data", data().toString(), "--label", "topic", "--out", dir.resolve("m").toString(),
                "--taxonomy", gbk.toString());
        assertEquals("train-nlu: " + gbk + ": not UTF-8 text (convert it first, e.g. iconv -f GBK -t UTF-8)", taxonomy.err().strip());
    }

    @Test
    void evalRegionScoresOnlyLabelledRecords() throws Exception {
        Run r = run("eval-region", "--test", data().toString(), "--label", "district", "--city", "杭州市");
        assertEquals(0, r.code(), r.err());
        JsonNode last = Json.MAPPER.readTree(r.lastLine());
        assertEquals(10, last.get("n").asInt());
        assertEquals(0.0, last.get("recall").asDouble(), 1e-9); // no record names a place
        assertEquals(2, run("eval-region", "--test", data().toString(), "--label", "district", "--city", "火星市").code());
    }

    @Test
    void aBadCatalogueIsOneClearLine() throws Exception {
        Path catalogue = dir.resolve("catalogue.yaml");
        Files.writeString(catalogue, "version: x\nrequest-types: [{code: a, label: A}]\ntopics: [{code: t, label: T}]\n");
        Run r = run("train-nlu", "--data", data().toString(), "--label", "topic", "--out", dir.resolve("m").toString(),
                "--catalogue", catalogue.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("missing department"), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    @Test
    void evalNluScoresTheKeywordRulesWithoutTraining() throws Exception {
        List<String> lines = new ArrayList<>();
        String[][] rows = {
            {"utilities.water", "小区停水三天了"}, {"utilities.water", "自来水管爆了"}, {"education", "孩子入学难 学校不收"},
            {"education", "幼儿园招生"}, {"education", "路灯坏了"}};
        for (String[] r : rows) {
            lines.add(Json.write(java.util.Map.of("title", r[1], "text", "", "topic", r[0])));
        }
        Path file = dir.resolve("labelled.jsonl");
        Files.write(file, lines);
        Run r = run("eval-nlu", "--rules", "topic", "--test", file.toString(), "--label", "topic");
        assertEquals(0, r.code(), r.err());
        JsonNode last = Json.MAPPER.readTree(r.lastLine());
        assertEquals(5, last.get("n").asInt());
        assertEquals(0.8, last.get("accuracy").asDouble(), 1e-9, r.out());   // the street lamp is no education topic
        assertTrue(r.err().contains("so predicting one counts as wrong: housing.property"), r.err());

        Run unnamed = run("eval-nlu", "--rules", "topic", "--test", data().toString(), "--label", "topic");
        assertEquals(1, unnamed.code());
        assertTrue(unnamed.err().contains("no 'topic' value names a catalogue topic"), unnamed.err());
        Run wrong = run("eval-nlu", "--rules", "topics", "--test", file.toString(), "--label", "topic");
        assertEquals(2, wrong.code());
        assertTrue(wrong.err().contains("--rules must be 'topic' or 'type', got 'topics'"), wrong.err());
    }
}
