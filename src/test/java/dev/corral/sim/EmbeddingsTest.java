package dev.corral.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The embedding encodings against Ollama's own expected values (openai/openai_encoding_format_test.go). */
class EmbeddingsTest {

    @Test
    void base64IsLittleEndianFloat32InStandardPaddedBase64AsInOllamasTests() {
        assertThat(Embeddings.base64(new float[] {0.1f, -0.2f, 0.3f})).isEqualTo("zczMPc3MTL6amZk+");
        assertThat(Embeddings.base64(new float[] {0.1f, 0.2f})).isEqualTo("zczMPc3MTD4=");
        assertThat(Embeddings.base64(new float[] {0.3f, 0.4f})).isEqualTo("mpmZPs3MzD4=");
        assertThat(Embeddings.base64(new float[] {0.5f, 0.6f})).isEqualTo("AAAAP5qZGT8=");
        assertThat(Embeddings.base64(new float[0])).isEmpty();
    }

    @Test
    void encodingFormatIsFloatOrBase64InAnyCase() {
        for (String ok : new String[] {"", "float", "FLOAT", "Float", "base64", "BASE64", "Base64"}) {
            assertThat(Embeddings.validFormat(ok)).as(ok).isTrue();
        }
        for (String bad : new String[] {"json", "hex", "invalid_format", "base64 ", "float32"}) {
            assertThat(Embeddings.validFormat(bad)).as(bad).isFalse();
        }
        assertThat(Embeddings.isBase64("Base64")).isTrue();
        assertThat(Embeddings.isBase64("float")).isFalse();
    }

    @Test
    void floatsAreWrittenAsGosEncoderWritesFloat32AndFloat64() {
        assertThat(GoFloats.float32(0.1f)).isEqualTo("0.1");
        assertThat(GoFloats.float64(0.1f)).isEqualTo("0.10000000149011612"); // a float32 widened, as /api/embeddings does
        assertThat(GoFloats.float32(1f / 3)).isEqualTo("0.33333334");
        assertThat(GoFloats.float32(Float.MIN_NORMAL)).isEqualTo("1.1754944e-38"); // JDK 17 says 1.17549435E-38
        assertThat(GoFloats.float32(Float.MAX_VALUE)).isEqualTo("3.4028235e+38");
        assertThat(GoFloats.float32(1e-7f)).isEqualTo("1e-7");
        assertThat(GoFloats.float32(0.000001f)).isEqualTo("0.000001");
        assertThat(GoFloats.float64(1e21)).isEqualTo("1e+21");
        assertThat(GoFloats.float64(1e20)).isEqualTo("100000000000000000000");
        assertThat(GoFloats.float64(123e-20)).isEqualTo("1.23e-18");
        assertThat(GoFloats.float32(0f)).isEqualTo("0");
        assertThat(GoFloats.float32(-0f)).isEqualTo("-0");
        assertThat(GoFloats.float32(-2.5f)).isEqualTo("-2.5");
    }

    @Test
    void vectorsAreAFunctionOfTheInputAndNormalized() {
        assertThat(Embeddings.normalized("alpha beta")).containsExactly(Embeddings.normalized("alpha beta"));
        assertThat(Embeddings.normalized("alpha beta")).hasSize(Embeddings.DIMENSIONS);
        double sum = 0;
        for (float x : Embeddings.normalized("gamma")) {
            sum += (double) x * x;
        }
        assertThat(sum).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-6));
    }
}
