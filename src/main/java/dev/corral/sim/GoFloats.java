package dev.corral.sim;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Writes a float the way Go's encoding/json does (floatEncoder in encode.go): the fewest digits that read
 * back as the same float32 or float64, plain notation, and exponent notation only below 1e-6 or from 1e21
 * on, with "e-07" shortened to "e-7". Ollama's embeddings are []float32 (/api/embed, /v1/embeddings) or
 * []float64 ( /api/embeddings), so the digits differ: float32 0.1 is "0.1", the same value widened to
 * float64 is "0.10000000149011612". JDK 17's Float.toString is not always the shortest form, hence this.
 */
final class GoFloats {
    private GoFloats() {}

    static String float32(float f) {
        if (Float.isNaN(f) || Float.isInfinite(f)) {
            throw new IllegalArgumentException("json: unsupported value: " + f); // Go refuses them too
        }
        return format(f, true);
    }

    static String float64(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            throw new IllegalArgumentException("json: unsupported value: " + d);
        }
        return format(d, false);
    }

    private static String format(double v, boolean single) {
        if (v == 0) {
            return (1 / v < 0) ? "-0" : "0";
        }
        BigDecimal digits = shortest(v, single);
        double abs = Math.abs(v);
        boolean exponent = abs < 1e-6 || abs >= 1e21;
        if (single) {
            float a = (float) abs;
            exponent = a < 1e-6f || a >= 1e21f;
        }
        if (!exponent) {
            return digits.toPlainString();
        }
        // d.ddde±XX with at least two exponent digits (strconv 'e' format), then Go's "e-0X" → "e-X".
        BigDecimal unscaled = new BigDecimal(digits.unscaledValue());
        String mantissa = unscaled.abs().toPlainString();
        int exp = mantissa.length() - 1 - digits.scale();
        StringBuilder sb = new StringBuilder();
        if (digits.signum() < 0) {
            sb.append('-');
        }
        sb.append(mantissa.charAt(0));
        if (mantissa.length() > 1) {
            sb.append('.').append(mantissa, 1, mantissa.length());
        }
        sb.append('e').append(exp < 0 ? '-' : '+');
        int e = Math.abs(exp);
        if (e < 10 && exp > 0) {
            sb.append('0');
        }
        return sb.append(e).toString();
    }

    /** The shortest decimal that reads back as {@code v}; of two equally short ones, the nearer (as strconv does). */
    private static BigDecimal shortest(double v, boolean single) {
        BigDecimal exact = new BigDecimal(v); // exact, also for a float widened to double
        for (int p = 1; p <= 17; p++) {
            BigDecimal best = null;
            for (RoundingMode mode : new RoundingMode[] {RoundingMode.HALF_EVEN, RoundingMode.DOWN, RoundingMode.UP}) {
                BigDecimal c = exact.round(new MathContext(p, mode));
                boolean same = single ? Float.parseFloat(c.toString()) == (float) v : Double.parseDouble(c.toString()) == v;
                if (same && (best == null || c.subtract(exact).abs().compareTo(best.subtract(exact).abs()) < 0)) {
                    best = c;
                }
            }
            if (best != null) {
                return best.stripTrailingZeros();
            }
        }
        return exact.stripTrailingZeros(); // not reached: 17 digits always identify a double
    }
}
