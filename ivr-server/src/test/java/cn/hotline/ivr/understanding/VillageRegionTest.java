package cn.hotline.ivr.understanding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Villages and residential communities (the bundled Zhejiang village table) as evidence of a district. */
class VillageRegionTest {
    private static final CallerContext HANGZHOU = CallerContext.of("杭州市");
    private static RegionResolver resolver;

    @BeforeAll
    static void load() throws Exception {
        resolver = new RegionResolver(Divisions.load(null, "杭州市"), RegionResolver.loadGazetteer(null));
    }

    @Test
    void aCommunityNameGivesItsDistrictAndStreet() {
        Understanding.Region r = resolver.resolve("投诉三塘北苑社区工作人员不回电话", HANGZHOU);
        assertEquals("拱墅区", r.district());
        assertEquals("东新街道", r.street());
        assertEquals("words", r.source());
        assertEquals(List.of("三塘北苑社区"), r.evidence().stream().map(Evidence::text).toList());
        assertTrue(r.confidence() < 0.75, "weaker than a street: " + r.confidence());
        // A village committee (尖山下村委会) is named by its village.
        assertEquals("萧山区", resolver.resolve("尖山下村有户人家违建", HANGZHOU).district());
    }

    @Test
    void theNameWithoutItsSuffixCountsWhenItIsNoEverydayWord() {
        assertEquals("拱墅区", resolver.resolve("娑婆桥弄的商铺天天扰民", HANGZHOU).district());
        assertEquals("临平区", resolver.resolve("章家河那边晚上施工", HANGZHOU).district());
        // 郁金香社区 exists, but 郁金香 is a flower; 杭海路社区 exists, but 杭海路 is a road through two districts.
        assertFalse(resolver.resolve("买了一束郁金香", HANGZHOU).hasDistrict());
        assertFalse(resolver.resolve("九和路杭海路口违停", HANGZHOU).hasDistrict());
        assertEquals("萧山区", resolver.resolve("郁金香社区门口违停", HANGZHOU).district());
        assertEquals("临平区", resolver.resolve("杭海路社区门口违停", HANGZHOU).district());
    }

    @Test
    void aVillageNameOfTwoDistrictsSaysNothing() {
        // 朝阳村 is a village of 临平区, 桐庐县 and 建德市.
        assertFalse(resolver.resolve("朝阳村的路坏了", HANGZHOU).hasDistrict());
    }

    @Test
    void aDistrictStreetOrOtherCityNamedBeatsAVillage() {
        assertEquals("西湖区", resolver.resolve("西湖区娑婆桥社区", HANGZHOU).district());
        Understanding.Region street = resolver.resolve("转塘街道那边的娑婆桥", HANGZHOU);
        assertEquals("西湖区", street.district());
        assertEquals("转塘街道", street.street());
        // A named street is the street even when a village of another street of the district comes first.
        assertEquals("东新街道", resolver.resolve("三塘北苑社区旁边", HANGZHOU).street());
        assertEquals("石桥街道", resolver.resolve("三塘北苑社区在石桥街道", HANGZHOU).street());
        // 迎春社区 is in 桐庐县, but a caller naming 宁波市 is talking about a 迎春社区 there.
        Understanding.Region elsewhere = resolver.resolve("迎春社区小区改造违反了宁波市的规定", HANGZHOU);
        assertEquals("宁波市", elsewhere.city());
        assertFalse(elsewhere.hasDistrict());
    }

    @Test
    void villagesAreOnlyReadForTheHomeCity() throws Exception {
        RegionResolver national = new RegionResolver(Divisions.load(null), RegionResolver.loadGazetteer(null));
        assertFalse(national.resolve("尖山下村有户人家违建", HANGZHOU).hasDistrict());
        assertTrue(Divisions.load(null, "杭州市").all(Divisions.Level.VILLAGE).size() > 3_000);
        assertTrue(Divisions.load(null, "杭州市").all(Divisions.Level.VILLAGE).stream().allMatch(v -> v.code().startsWith("3301")));
    }

    @Test
    void theVillageTableIsOptional(@TempDir Path dir) throws Exception {
        copyRequiredTables(dir);
        Divisions divisions = Divisions.load(dir, "杭州市");
        assertTrue(divisions.all(Divisions.Level.VILLAGE).isEmpty());
        RegionResolver own = new RegionResolver(divisions, RegionResolver.loadGazetteer(null));
        assertFalse(own.resolve("尖山下村有户人家违建", HANGZHOU).hasDistrict());
        assertEquals("余杭区", own.resolve("闲林街道有个小区", HANGZHOU).district());
    }

    @Test
    void aBadVillageRowNamesFileAndLine(@TempDir Path dir) throws Exception {
        copyRequiredTables(dir);
        Files.writeString(dir.resolve("modood_villages.csv"), """
                code,name,streetCode,provinceCode,cityCode,areaCode
                330105018001,"三塘北苑社区",330105018,33,3301,330105
                330105018002,"",330105018,33,3301,330105
                330105018003,"某某社区",330106001,33,3301,330106
                """);
        CatalogueException e = assertThrows(CatalogueException.class, () -> Divisions.load(dir, "杭州市"));
        assertTrue(e.getMessage().startsWith(dir.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("modood_villages.csv:3: expected code,name,streetCode"), e.getMessage());
        assertTrue(e.getMessage().contains("modood_villages.csv:4: village code 330105018003 does not start with its street code"),
                e.getMessage());
        Files.writeString(dir.resolve("modood_villages.csv"), "code,name\n330105018001,三塘北苑社区\n");
        CatalogueException header = assertThrows(CatalogueException.class, () -> Divisions.load(dir, "杭州市"));
        assertTrue(header.getMessage().contains("modood_villages.csv:1: expected the header"), header.getMessage());
    }

    /** The tables a village table needs, copied from the bundled resources. */
    private static void copyRequiredTables(Path dir) throws Exception {
        for (String name : List.of("modood_provinces.csv", "modood_cities.csv", "modood_areas.csv", "modood_streets.csv")) {
            try (InputStream in = Divisions.class.getResourceAsStream(Divisions.RESOURCE_DIR + name)) {
                Files.copy(in, dir.resolve(name));
            }
        }
    }
}
