package cn.hotline.ivr.understanding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegionResolverTest {
    private static RegionResolver resolver;
    private static final CallerContext HANGZHOU = CallerContext.of("杭州市");

    @BeforeAll
    static void load() throws Exception {
        resolver = new RegionResolver(Divisions.load(null), RegionResolver.loadGazetteer(null));
    }

    @Test
    void aDistrictIsFoundWithOrWithoutItsSuffix() {
        Understanding.Region r = resolver.resolve("我在西湖这边转塘附近", HANGZHOU);
        assertEquals("330106", r.districtCode());
        assertEquals("西湖区", r.district());
        assertEquals("杭州市", r.city());
        assertEquals("浙江省", r.province());
        assertEquals("words", r.source());
        assertEquals("西湖", r.evidence().get(0).text());
        assertEquals("西湖区", resolver.resolve("西湖区文三路", HANGZHOU).district());
    }

    @Test
    void aStreetGivesItsDistrictAndStreet() {
        Understanding.Region r = resolver.resolve("闲林街道有个小区", HANGZHOU);
        assertEquals("余杭区", r.district());
        assertEquals("闲林街道", r.street());
    }

    @Test
    void aMergedDistrictNameIsAnAlias() {
        assertEquals("上城区", resolver.resolve("江干区采荷那边", HANGZHOU).district());
        assertEquals("拱墅区", resolver.resolve("原来下城区的朝晖", HANGZHOU).district());
        // A former district covers what is now split: the part named outright, or streets and landmarks
        // of one present district outvoting it, win.
        assertEquals("钱塘区", resolver.resolve("江干区下沙那边", HANGZHOU).district());
        assertEquals("钱塘区", resolver.resolve("原江干区学林街中国计量大学门口", HANGZHOU).district());
    }

    @Test
    void aLandmarkImpliesItsDistrictButANamedDistrictWins() {
        Understanding.Region r = resolver.resolve("网商路和滨康路路口晚上有小商贩", HANGZHOU);
        assertEquals("滨江区", r.district());
        assertEquals("words", r.source());
        assertEquals(List.of("网商路", "滨康路"), r.evidence().stream().map(Evidence::text).toList());
        // The landmark's name contains another district's short name: the longer name is the place.
        assertEquals("拱墅区", resolver.resolve("西湖文化广场旁边很吵", HANGZHOU).district());
        // Said outright beats implied.
        assertEquals("萧山区", resolver.resolve("萧山区的人在黄龙体育中心看演唱会", HANGZHOU).district());
        // A landmark of another district against one of equal weight: no guess.
        assertFalse(resolver.resolve("从网商路到黄龙体育中心", HANGZHOU).hasDistrict());
    }

    @Test
    void aTransportHubIsALandmarkNotTheCallersDistrict() {
        // Callers name the airport or a station they fly over, travel through or live near: their own
        // street outweighs it.
        assertEquals("钱塘区", resolver.resolve("投诉萧山机场飞机 我现居住在杭州市义蓬街道义蓬名苑小区 每天飞机从房顶飞过", HANGZHOU)
                .district());
        assertEquals("萧山区", resolver.resolve("杭州萧山机场饮水机不提供纸杯", HANGZHOU).district());
        assertEquals("上城区", resolver.resolve("杭州东站出租车排队太久", HANGZHOU).district());
    }

    @Test
    void aLandmarkListedUnderTwoDistrictsSaysNothing(@TempDir Path dir) throws Exception {
        Path file = write(dir, "滨江区: [之江路]", "西湖区: [之江路, 龙井]");
        RegionResolver own = new RegionResolver(Divisions.load(null), RegionResolver.loadGazetteer(file));
        assertFalse(own.resolve("之江路边上", HANGZHOU).hasDistrict());
        assertEquals("西湖区", own.resolve("龙井那边", HANGZHOU).district());
    }

    @Test
    void aBadLandmarkSectionNamesTheProblem(@TempDir Path dir) throws Exception {
        Path file = write(dir, "滨江区: 网商路", "西湖区: [龙]");
        CatalogueException e = assertThrows(CatalogueException.class, () -> RegionResolver.loadGazetteer(file));
        assertTrue(e.getMessage().contains("landmarks.杭州市.滨江区: expected a list of names"), e.getMessage());
        assertTrue(e.getMessage().contains("'龙' is too short"), e.getMessage());
    }

    /** An alias file whose only section is Hangzhou's landmarks, one {@code district: names} line each. */
    private static Path write(Path dir, String... districtLines) throws Exception {
        StringBuilder yaml = new StringBuilder("landmarks:\n  杭州市:\n");
        for (String line : districtLines) {
            yaml.append("    ").append(line).append('\n');
        }
        return Files.writeString(dir.resolve("aliases.yaml"), yaml);
    }

    @Test
    void noPlaceMeansNoDistrictNotAGuess() {
        Understanding.Region r = resolver.resolve("公司拖欠工资三个月", HANGZHOU);
        assertFalse(r.hasDistrict());
        assertEquals("none", r.source());
    }

    @Test
    void twoDistrictsWithEqualWeightGiveNoDistrict() {
        assertFalse(resolver.resolve("滨江和萧山", HANGZHOU).hasDistrict());
    }

    @Test
    void aLandlineAreaCodeGivesTheCityOnly() {
        Understanding.Region r = resolver.resolve("路灯坏了", new CallerContext("057488001234", "杭州市"));
        assertEquals("宁波市", r.city());
        assertEquals("area-code", r.source());
        assertFalse(r.hasDistrict());
        assertTrue(r.confidence() < 0.5);
        assertEquals("none", resolver.resolve("路灯坏了", new CallerContext("13800138000", "杭州市")).source());
    }

    @Test
    void elsewhereInTheProvinceOnlyTheCityIsNamed() {
        Understanding.Region r = resolver.resolve("我是绍兴市上虞区的", HANGZHOU);
        assertEquals("绍兴市", r.city());
        assertFalse(r.hasDistrict());
    }

    @Test
    void everydayWordsThatAreAlsoStreetNamesDoNotCount() {
        assertFalse(resolver.resolve("请给我留下联系方式", HANGZHOU).hasDistrict());
    }

    @Test
    void municipalitiesAreNamedByTheirProvinceRow() {
        Understanding.Region r = resolver.resolve("我在朝阳区", CallerContext.of("北京市"));
        assertEquals("北京市", r.city());
        assertEquals("朝阳区", r.district());
    }
}
