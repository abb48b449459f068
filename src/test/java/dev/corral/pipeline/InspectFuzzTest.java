package dev.corral.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.corral.route.GoJson;
import dev.corral.route.GoBody;
import dev.corral.route.GoValues;
import dev.corral.route.OllamaRequests;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Set;

/** Jazzer target for the JSON inspector (corpus in src/test/resources/dev/corral/gateway/InspectFuzzTestInputs). */
class InspectFuzzTest {

    /** The model Go binds: the last top-level string member whose ASCII name folds to "model" (null leaves it). */
    static String goModel(byte[] body) {
        try (com.fasterxml.jackson.core.JsonParser p = new com.fasterxml.jackson.core.JsonFactory().createParser(body)) {
            String model = "";
            int fields = 0;
            int depth = 0;
            com.fasterxml.jackson.core.JsonToken t;
            while ((t = p.nextToken()) != null) {
                if (t.isStructStart()) {
                    depth++;
                } else if (t.isStructEnd()) {
                    depth--;
                } else if (t == com.fasterxml.jackson.core.JsonToken.FIELD_NAME && depth == 1
                        && p.currentName().matches("(?i)model")) {
                    fields++;
                    if (p.nextToken() == com.fasterxml.jackson.core.JsonToken.VALUE_STRING) {
                        model = p.getText();
                    }
                }
            }
            return fields == 1 ? model : null;
        } catch (java.io.IOException e) {
            return null;
        }
    }

    /**
     * Never throws; a model it accepts is one valid name and the one Go would bind; asking for
     * usage rewrites an accepted body into one that reads the same but for stream_options.
     */
    @FuzzTest(maxDuration = "60s")
    void jsonInspector(FuzzedDataProvider data) {
        byte[] body = data.consumeRemainingAsBytes();
        ByteBuf buf = Unpooled.wrappedBuffer(body);
        try {
            String model = Inspect.readModel(buf, OllamaRequests.OPENAI_CHAT);
            // [host:port/]name[:tag]: a registry with a port, "models.lan:5000/team/coder:1b", is a valid name
            assertThat(model).matches("([A-Za-z0-9][A-Za-z0-9._-]*:[0-9]{1,5}/)?[A-Za-z0-9][A-Za-z0-9._/-]*(:[A-Za-z0-9][A-Za-z0-9._-]*)?");
            assertThat(model).doesNotContain("..");
            assertThat(goModel(body)).as("the model Go binds").isEqualTo(model);
            GoBody decoded = GoJson.decode(buf, OllamaRequests.OPENAI_CHAT.struct());
            byte[] rewritten = decoded.replacing(Set.of("stream_options"), "\"stream_options\":{\"include_usage\":true}");
            GoValues again = GoJson.decode(Unpooled.wrappedBuffer(rewritten), OllamaRequests.OPENAI_CHAT.struct()).values();
            GoValues before = decoded.values();
            assertThat(again.string("model")).isEqualTo(before.string("model"));
            assertThat(again.bool("stream")).isEqualTo(before.bool("stream"));
            assertThat(again.integer("max_tokens")).isEqualTo(before.integer("max_tokens"));
            assertThat(again.struct("stream_options").bool("include_usage")).isTrue();
        } catch (GoJson.Refused refused) {
            // refusing is always allowed
        } finally {
            buf.release();
        }
    }
}
