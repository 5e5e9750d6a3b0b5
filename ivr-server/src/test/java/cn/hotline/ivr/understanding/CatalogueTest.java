package cn.hotline.ivr.understanding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CatalogueTest {
    @TempDir
    Path dir;

    @Test
    void theBundledCatalogueCoversACity12345Line() throws Exception {
        Catalogue c = Catalogue.load(null);
        assertFalse(c.version().isEmpty());
        Set<String> types = new HashSet<>();
        c.requestTypes().forEach(t -> types.add(t.label()));
        assertEquals(Set.of("咨询", "投诉", "建议", "求助", "举报", "表扬"), types);
        for (String code : new String[] {"housing.property", "construction", "traffic.police", "utilities.water",
            "utilities.power", "utilities.gas", "utilities.heating", "environment.noise", "market.consumer",
            "labour.wages", "social.security", "education", "health", "public.security", "civil.affairs"}) {
            Catalogue.Entry t = c.topicsByCode().get(code);
            assertTrue(t != null && !t.department().isEmpty() && !t.keywords().isEmpty(), code);
        }
        assertEquals("education", c.find(c.topics(), "教育文体").orElseThrow().code());
    }

    @Test
    void duplicateCodeAndMissingDepartmentAreNamed() throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, """
                version: "t1"
                request-types:
                  - {code: consult, label: 咨询, keywords: [请问]}
                topics:
                  - {code: water, label: 供水, department: 水务, keywords: [停水]}
                  - {code: water, label: 供水2, department: 水务, keywords: [水压]}
                  - {code: gas, label: 燃气, keywords: [燃气]}
                """);
        CatalogueException e = assertThrows(CatalogueException.class, () -> Catalogue.load(file));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        assertTrue(e.problems().contains("topics #2 (water): duplicate code 'water'"), e.problems().toString());
        assertTrue(e.problems().stream().anyMatch(p -> p.startsWith("topics #3 (gas): missing department")), e.problems().toString());
    }

    @Test
    void brokenYamlAndMissingFilesSayWhat() throws Exception {
        Path file = dir.resolve("broken.yaml");
        Files.writeString(file, "version: [unclosed\n");
        assertTrue(assertThrows(CatalogueException.class, () -> Catalogue.load(file)).getMessage().contains("not valid YAML"));
        assertTrue(assertThrows(CatalogueException.class, () -> Catalogue.load(dir.resolve("none.yaml")))
                .getMessage().contains("cannot read"));
    }
}
