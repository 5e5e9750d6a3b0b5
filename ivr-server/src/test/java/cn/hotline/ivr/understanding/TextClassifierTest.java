package cn.hotline.ivr.understanding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextClassifierTest {
    private static List<TextClassifier.Example> examples() {
        List<TextClassifier.Example> out = new ArrayList<>();
        String[] water = {"家里停水三天了", "自来水水压太低", "小区又停水了没人通知", "水管爆了一直在漏水", "水费怎么这么贵"};
        String[] school = {"孩子入学学位不够", "学校老师乱收费", "幼儿园招生不公平", "初中学区划片有问题", "小学课后服务收费"};
        for (int round = 0; round < 3; round++) {
            for (String w : water) {
                out.add(new TextClassifier.Example(w, "水务"));
            }
            for (String s : school) {
                out.add(new TextClassifier.Example(s, "教育"));
            }
        }
        return out;
    }

    @Test
    void learnsLabelsAndGeneralisesThroughCatalogueKeywords() throws Exception {
        TextClassifier model = TextClassifier.train("label", examples(), List.of(), Catalogue.load(null),
                TextClassifier.Options.defaults());
        assertEquals(List.of("教育", "水务"), model.labels());
        assertEquals("水务", model.predict("我们这里停水了").label());
        assertEquals("教育", model.predict("学校老师").label());
        // 断水 and 中学 never occur in training; the catalogue keyword features carry them.
        assertEquals("水务", model.predict("断水").label());
        assertEquals("教育", model.predict("中学").label());
        double sum = model.predict("停水").probabilities().values().stream().mapToDouble(Double::doubleValue).sum();
        assertEquals(1.0, sum, 1e-9);
    }

    @Test
    void savedModelPredictsTheSame(@TempDir Path dir) throws Exception {
        TextClassifier model = TextClassifier.train("label", examples(), List.of("停水", "学校"), Catalogue.load(null),
                TextClassifier.Options.defaults());
        model.save(dir);
        TextClassifier loaded = TextClassifier.load(dir);
        for (String t : new String[] {"停水了", "学校乱收费", "随便说点什么"}) {
            assertEquals(model.predict(t), loaded.predict(t));
        }
        assertEquals("label", loaded.labelField());
    }

    @Test
    void wordsAreFeaturesOnlyWhenTheModelWasTrainedWithThem(@TempDir Path dir) throws Exception {
        for (boolean words : new boolean[] {true, false}) {
            TextClassifier model = TextClassifier.train("label", examples(), List.of(), Catalogue.load(null),
                    TextClassifier.Options.defaults().withWords(words));
            Path at = dir.resolve(String.valueOf(words));
            model.save(at);
            TextClassifier loaded = TextClassifier.load(at);
            for (String t : new String[] {"自来水停水了", "学校乱收费"}) {
                assertEquals(model.predict(t), loaded.predict(t), "words " + words);
            }
        }
        TextClassifier withWords = TextClassifier.train("label", examples(), List.of(), Catalogue.load(null),
                TextClassifier.Options.defaults());
        TextClassifier without = TextClassifier.train("label", examples(), List.of(), Catalogue.load(null),
                TextClassifier.Options.defaults().withWords(false));
        assertNotEquals(withWords.predict("自来水水压").probabilities(), without.predict("自来水水压").probabilities());
    }

    @Test
    void theSegmenterFindsDictionaryWordsAndSkipsSymbols() {
        List<String> words = WordSegmenter.shared().words("我要投诉小区物业，乱收停车费！abc");
        assertTrue(words.containsAll(List.of("投诉", "小区", "物业", "停车费")), words.toString());
        assertTrue(words.stream().allMatch(w -> w.length() >= 2), words.toString());
        assertTrue(WordSegmenter.shared().words("，。！").isEmpty());
    }

    @Test
    void aMissingOrForeignModelFileIsAClearError(@TempDir Path dir) throws Exception {
        assertTrue(assertThrows(CatalogueException.class, () -> TextClassifier.load(dir)).getMessage().contains("train-nlu"));
        Files.writeString(dir.resolve(TextClassifier.FILE_NAME), "not a model");
        assertTrue(assertThrows(CatalogueException.class, () -> TextClassifier.load(dir)).getMessage()
                .contains("not a model written by"));
    }

    @Test
    void crossValidationFoldsAreStratified() {
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            labels.add(i < 40 ? "a" : "b");
        }
        int[] folds = NluEvaluation.folds(labels, 5, 1);
        for (int f = 0; f < 5; f++) {
            int a = 0;
            int b = 0;
            for (int i = 0; i < labels.size(); i++) {
                if (folds[i] == f) {
                    a += labels.get(i).equals("a") ? 1 : 0;
                    b += labels.get(i).equals("b") ? 1 : 0;
                }
            }
            assertEquals(8, a);
            assertEquals(2, b);
        }
        NluEvaluation.Report r = NluEvaluation.score(List.of("a", "a", "b", "b"), List.of("a", "b", "b", "b"));
        assertEquals(0.75, r.accuracy(), 1e-9);
        assertEquals((2 * 1 * 0.5 / 1.5 + 2 * (2 / 3.0) / (1 + 2 / 3.0)) / 2, r.macroF1(), 1e-9);
    }

    @Test
    void personalNumbersGiveTheClassifierNoFeatures() {
        TermMatcher<String> keywords = new TermMatcher<String>();
        keywords.add("12345", "k:government.service");
        keywords.add("路灯", "k:urban.management");
        keywords.build();
        java.util.Map<String, Integer> counts = TextClassifier.counts("电话13812345678，路灯坏了", keywords, null);
        assertTrue(counts.containsKey("k:urban.management"), counts.toString());
        assertTrue(counts.keySet().stream().noneMatch(f -> f.contains("0") || f.contains("电话") || f.startsWith("k:gov")),
                counts.toString());
        assertEquals(TextClassifier.counts("路灯坏了", keywords, null), counts);
    }
}
