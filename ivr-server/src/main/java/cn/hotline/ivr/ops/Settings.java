package cn.hotline.ivr.ops;

import cn.hotline.ivr.agent.AgentSettings;
import cn.hotline.ivr.flow.FlowSettings;
import cn.hotline.ivr.media.AudioSocketSettings;
import cn.hotline.ivr.speech.SpeechSettings;
import cn.hotline.ivr.telephony.AgiSettings;
import cn.hotline.ivr.telephony.ami.AmiSettings;
import cn.hotline.ivr.understanding.UnderstandingSettings;
import cn.hotline.ivr.workorder.OutboxSettings;
import cn.hotline.ivr.workorder.TicketSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Everything the server reads from its one YAML file, section by section. Each room of the call's
 * journey owns its section record and its {@code read(ConfigFile)}; this is where they meet.
 */
public record Settings(
        String file,
        Duration reloadInterval,
        AgiSettings agi,
        HttpSettings http,
        FlowSettings flow,
        AudioSocketSettings audiosocket,
        SpeechSettings speech,
        UnderstandingSettings understanding,
        AmiSettings ami,
        AgentSettings agent,
        OutboxSettings outbox,
        TicketSettings ticket) {

    public static Settings load(Path file, Map<String, String> env) throws ConfigException {
        return read(ConfigFile.load(file, env));
    }

    /** Reads every section, then fails with all problems at once (including unknown keys). */
    public static Settings read(ConfigFile cfg) throws ConfigException {
        Settings settings = new Settings(
                cfg.fileName(),
                cfg.duration("reload-interval", Duration.ofSeconds(2)),
                AgiSettings.read(cfg),
                HttpSettings.read(cfg),
                FlowSettings.read(cfg),
                AudioSocketSettings.read(cfg),
                SpeechSettings.read(cfg),
                UnderstandingSettings.read(cfg),
                AmiSettings.read(cfg),
                AgentSettings.read(cfg),
                OutboxSettings.read(cfg),
                TicketSettings.read(cfg));
        cfg.finish();
        return settings;
    }
}
