package dev.corral.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/** Jazzer target for the JSON inspector (corpus in src/test/resources/dev/corral/gateway/InspectFuzzTestInputs). */
class InspectFuzzTest {

    /** Counts top-level field names that equal "model" ignoring case, as Go's decoder would match them. */
    static int topLevelModelFields(byte[] body) {
        try (com.fasterxml.jackson.core.JsonParser p = new com.fasterxml.jackson.core.JsonFactory().createParser(body)) {
            int n = 0;
            int depth = 0;
            com.fasterxml.jackson.core.JsonToken t;
            while ((t = p.nextToken()) != null) {
                if (t.isStructStart()) {
                    depth++;
                } else if (t.isStructEnd()) {
                    depth--;
                } else if (t == com.fasterxml.jackson.core.JsonToken.FIELD_NAME && depth == 1 && p.currentName().equalsIgnoreCase("model")) {
                    n++;
                }
            }
            return n;
        } catch (java.io.IOException e) {
            return -1;
        }
    }

    /** Never throws; a model it accepts is one valid name; a body naming the model twice is refused. */
    @FuzzTest(maxDuration = "60s")
    void jsonInspector(FuzzedDataProvider data) {
        byte[] body = data.consumeRemainingAsBytes();
        ByteBuf buf = Unpooled.wrappedBuffer(body);
        try {
            Inspect.BodyModel read = Inspect.readJsonModel(buf);
            if (read.refusal() == null) {
                assertThat(read.model()).matches("[A-Za-z0-9][A-Za-z0-9._/-]*(:[A-Za-z0-9][A-Za-z0-9._-]*)?");
                assertThat(read.model()).doesNotContain("..");
                assertThat(topLevelModelFields(body)).as("fields Go would bind to model").isEqualTo(1);
            }
        } finally {
            buf.release();
        }
    }
}
