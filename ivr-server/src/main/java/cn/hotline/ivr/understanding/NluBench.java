package cn.hotline.ivr.understanding;

import cn.hotline.ivr.cli.Args;
import cn.hotline.ivr.ops.Json;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ivr bench nlu [--iterations N] [--warmup N] [--model DIR] [--city 杭州市]}: latency of one
 * {@link Understander#understand} call on recognizer-like utterances, after warm-up. Prints JSON with
 * p50/p99/max in milliseconds as its last line.
 */
public final class NluBench {
    /** Utterances of the kind a caller says while waiting: short, no punctuation, some noise. */
    private static final List<String> UTTERANCES = List.of(
            "喂你好我想投诉一下我们小区物业乱收停车费每个月多收两百块钱",
            "我住在西湖区转塘街道象山小区三幢楼下昨天晚上十点以后一直有施工噪音吵得睡不着",
            "请问一下孩子明年上小学积分入学需要准备什么材料",
            "我们公司拖欠工资三个月了老板电话不接我想申请劳动仲裁",
            "滨江区江南大道上的红绿灯坏了好几天了车辆很多很危险",
            "楼下好像着火了有很大的烟",
            "嗯那个就是我想问一下医保卡异地就医怎么报销",
            "萧山区宁围街道有个工厂晚上偷排废水河道里很臭",
            "出租车司机拒载还绕路车牌号浙A12345",
            "我要表扬一下公交三十路的司机师傅帮我找回了钱包");

    private NluBench() {
    }

    public static int run(Args args, PrintStream out, PrintStream err) throws Exception {
        int iterations = args.integer("--iterations", 20_000);
        int warmup = args.integer("--warmup", 5_000);
        Path model = args.path("--model", null);
        String city = args.string("--city", "杭州市");
        args.done();
        UnderstandingSettings defaults = UnderstandingSettings.defaults();
        UnderstandingSettings settings = new UnderstandingSettings(defaults.catalogue(), defaults.divisions(),
                defaults.regionAliases(), defaults.emergencyRules(), city, defaults.unknownBelow(),
                java.util.Optional.ofNullable(model), java.util.Optional.empty());
        long loadStart = System.nanoTime();
        Understander understander = Understander.create(settings);
        double loadMs = (System.nanoTime() - loadStart) / 1e6;
        CallerContext ctx = new CallerContext("057188001234", city);
        int sink = 0;
        for (int i = 0; i < warmup; i++) {
            sink += understander.understand(UTTERANCES.get(i % UTTERANCES.size()), ctx).slots().size();
        }
        // Wall time is what a call waits; thread CPU time shows how much of a bad tail is the machine
        // (other processes, scheduling) rather than the code.
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        boolean cpu = threads.isCurrentThreadCpuTimeSupported();
        long[] nanos = new long[iterations];
        long[] cpuNanos = new long[iterations];
        for (int i = 0; i < iterations; i++) {
            long c = cpu ? threads.getCurrentThreadCpuTime() : 0;
            long t = System.nanoTime();
            Understanding u = understander.understand(UTTERANCES.get(i % UTTERANCES.size()), ctx);
            nanos[i] = System.nanoTime() - t;
            cpuNanos[i] = cpu ? threads.getCurrentThreadCpuTime() - c : 0;
            sink += u.slots().size();
        }
        Arrays.sort(nanos);
        Arrays.sort(cpuNanos);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("bench", "nlu");
        result.put("model", model == null ? "catalogue-keywords" : model.toString());
        result.put("iterations", iterations);
        result.put("load_ms", round(loadMs));
        result.put("p50_ms", round(nanos[iterations / 2] / 1e6));
        result.put("p99_ms", round(nanos[(int) (iterations * 0.99)] / 1e6));
        result.put("max_ms", round(nanos[iterations - 1] / 1e6));
        if (cpu) {
            result.put("cpu_p50_ms", round(cpuNanos[iterations / 2] / 1e6));
            result.put("cpu_p99_ms", round(cpuNanos[(int) (iterations * 0.99)] / 1e6));
        }
        err.println("(checksum " + sink + ")");
        out.println(Json.write(result));
        return 0;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
