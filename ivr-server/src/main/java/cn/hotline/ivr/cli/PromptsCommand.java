package cn.hotline.ivr.cli;

import cn.hotline.ivr.flow.FlowSettings;
import cn.hotline.ivr.ops.ConfigFile;
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
        return "prompts --config FILE        list prompts (Asterisk name, text; TSV) for scripts/gen-prompts";
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws Exception {
        Path file = Path.of(args.required("--config"));
        args.done();
        // Only the flow section matters here, and its audio files may not exist yet: that is what
        // gen-prompts is about to fix, so missing-prompt problems are not fatal for this command.
        FlowSettings flow = FlowSettings.read(ConfigFile.load(file, System.getenv()));
        flow.promptTexts().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> out.println(flow.prompt(e.getKey()) + "\t" + e.getValue().replace('\t', ' ').replace('\n', ' ')));
        return 0;
    }
}
