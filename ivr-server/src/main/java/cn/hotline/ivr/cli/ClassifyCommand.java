package cn.hotline.ivr.cli;

import cn.hotline.ivr.ops.Json;
import cn.hotline.ivr.understanding.CallerContext;
import cn.hotline.ivr.understanding.Understander;
import java.io.PrintStream;
import java.nio.file.Path;

/** {@code ivr classify [--city 杭州市] [--caller NUMBER] [--config FILE] "text"}: prints the Understanding as JSON. */
final class ClassifyCommand implements Command {
    @Override
    public String name() {
        return "classify";
    }

    @Override
    public String usage() {
        return "classify [--city CITY] [--caller NUMBER] [--config FILE] \"text\"   understand one utterance, print JSON";
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws Exception {
        String city = args.string("--city", null);
        String caller = args.string("--caller", "");
        Path config = args.path("--config", null);
        if (args.positionals().isEmpty()) {
            throw new UsageException("missing the text to classify");
        }
        String text = String.join(" ", args.positionals());
        args.done();
        return NluCommands.guarded(name(), err, () -> {
            Understander understander = NluCommands.understander(config);
            out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(
                    understander.understand(text, new CallerContext(caller, city == null ? "" : city))));
            return 0;
        });
    }
}
