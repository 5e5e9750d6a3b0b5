package cn.hotline.ivr.ops;

/** One dependency's readiness, for {@code /ready}: a name and whether it can serve calls now. */
public interface HealthCheck {
    String name();

    /** null when healthy, otherwise why not (shown to operators). */
    String problem();
}
