package dev.corral.metrics;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Keeps one label's values bounded: the first {@code max} distinct values that look like what the
 * label holds are kept as they are, and every later or odd-looking one becomes {@link #OTHER}. Each
 * value kept is a time series a Prometheus server stores for as long as it keeps data, so a label
 * fed by something unexpected (a reason code built from input, a flood of model names) must not
 * grow without end. The values Corral passes are bounded already (its own reason codes, its keys,
 * models its policy let through); this is the guard should that ever stop being true.
 */
final class LabelCap {
    static final String OTHER = "other";

    private final int max;
    private final Pattern shape;
    private final Set<String> kept = ConcurrentHashMap.newKeySet();

    /**
     * @param max   how many distinct values are kept
     * @param shape what a value must look like to be kept as it is
     */
    LabelCap(int max, Pattern shape) {
        this.max = max;
        this.shape = shape;
    }

    /**
     * {@code value} itself when it is kept (or can still be), else {@link #OTHER}. Callers cache the
     * meters of kept values, so this runs once per kept value; a value turned into "other" is looked
     * at again each time it comes (it cannot be cached without the cache growing with it).
     */
    String apply(String value) {
        if (value == null) {
            return OTHER;
        }
        if (kept.contains(value)) {
            return value;
        }
        if (OTHER.equals(value) || !shape.matcher(value).matches()) {
            return OTHER;
        }
        synchronized (this) {
            if (kept.size() >= max) {
                return OTHER;
            }
            kept.add(value);
            return value;
        }
    }

    /** {@code value} when it is kept already, else {@link #OTHER}; never keeps a new value. */
    String keptOrOther(String value) {
        return value != null && kept.contains(value) ? value : OTHER;
    }

    /** Values kept so far (tests). */
    int size() {
        return kept.size();
    }
}
