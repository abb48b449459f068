package dev.corral.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class UsageTapTest {

    static UsageTap tap(String type, String body, int splitEvery) {
        UsageTap t = UsageTap.forContentType(type);
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < b.length; i += splitEvery) {
            ByteBuf buf = Unpooled.wrappedBuffer(b, i, Math.min(splitEvery, b.length - i));
            int before = buf.readerIndex();
            t.feed(buf);
            assertThat(buf.readerIndex()).isEqualTo(before);
            buf.release();
        }
        t.close();
        return t;
    }

    static final String NDJSON = "{\"model\":\"m\",\"response\":\"a\",\"done\":false}\n"
            + "{\"model\":\"m\",\"message\":{\"content\":\"x\"},\"done\":false}\n"
            + "{\"model\":\"m\",\"response\":\"\",\"done\":true,\"context\":[1,2,3],\"prompt_eval_count\":26,"
            + "\"eval_count\":290,\"eval_duration\":123}\n";

    @Test
    void ndjsonFinalCountsAreFoundWhateverTheChunkBoundaries() {
        for (int split = 1; split <= NDJSON.length(); split++) {
            UsageTap t = tap("application/x-ndjson", NDJSON, split);
            assertThat(t.promptTokens()).as("split %d", split).isEqualTo(26);
            assertThat(t.completionTokens()).isEqualTo(290);
            assertThat(t.events()).isEqualTo(3);
        }
    }

    @Test
    void openAiUsageChunkAndNonStreamUsage() {
        String sse = "data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\n"
                + "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":7,\"total_tokens\":18}}\n\n"
                + "data: [DONE]\n\n";
        for (int split = 1; split < sse.length(); split += 7) {
            UsageTap t = tap("text/event-stream", sse, split);
            assertThat(t.promptTokens()).isEqualTo(11);
            assertThat(t.completionTokens()).isEqualTo(7);
            assertThat(t.events()).isEqualTo(2);
        }
        UsageTap json = tap("application/json; charset=utf-8",
                "{\"choices\":[{\"message\":{\"content\":\"x\"}}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4}}", 5);
        assertThat(json.promptTokens()).isEqualTo(3);
        assertThat(json.completionTokens()).isEqualTo(4);
    }

    @Test
    void completionsStreamsWithZeroUsageOnEveryChunkTakeTheLast() {
        String sse = "data: {\"choices\":[{\"text\":\"a\"}],\"usage\":{\"prompt_tokens\":0,\"completion_tokens\":0}}\r\n\r\n"
                + "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":9}}\r\n\r\n"
                + "data: [DONE]\r\n\r\n";
        UsageTap t = tap("text/event-stream", sse, 13);
        assertThat(t.promptTokens()).isEqualTo(5);
        assertThat(t.completionTokens()).isEqualTo(9);
    }

    @Test
    void responsesAndAnthropicEvents() {
        String responses = "event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"usage\":null}}\n\n"
                + "event: response.output_text.delta\ndata: {\"delta\":\"x\"}\n\n"
                + "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"output\":[{\"usage\":{\"input_tokens\":999}}],"
                + "\"usage\":{\"input_tokens\":12,\"output_tokens\":34,\"total_tokens\":46}}}\n\n";
        UsageTap r = tap("text/event-stream", responses, 9);
        assertThat(r.promptTokens()).isEqualTo(12);
        assertThat(r.completionTokens()).isEqualTo(34);
        String anthropic = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":21,\"output_tokens\":1}}}\n\n"
                + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"delta\":{\"text\":\"hi\"}}\n\n"
                + "event: message_delta\ndata: {\"type\":\"message_delta\",\"usage\":{\"output_tokens\":15}}\n\n";
        UsageTap a = tap("text/event-stream", anthropic, 4);
        assertThat(a.promptTokens()).isEqualTo(21);
        assertThat(a.completionTokens()).isEqualTo(15);
    }

    @Test
    void midStreamErrorsAreNoticed() {
        UsageTap t = tap("application/x-ndjson", "{\"response\":\"a\",\"done\":false}\n{\"error\":\"boom\"}\n", 3);
        assertThat(t.sawError()).isTrue();
        assertThat(t.promptTokens()).isEqualTo(-1);
    }

    @Test
    void garbageTurnsTheTapOffWithoutThrowing() {
        UsageTap t = tap("application/json", "{\"a\":[1,2,}}}}}\n{\"prompt_eval_count\":3}", 2);
        assertThat(t.promptTokens()).isEqualTo(-1);
        UsageTap sse = tap("text/event-stream", "data: {not json\n\ndata: {\"usage\":{\"prompt_tokens\":2}}\n\n", 3);
        assertThat(sse.promptTokens()).isEqualTo(2);
        UsageTap text = tap("text/plain", "Ollama is running", 4);
        assertThat(text.events()).isZero();
        UsageTap nested = tap("application/json", "{\"x\":{\"prompt_eval_count\":5,\"usage\":{\"prompt_tokens\":6}}}", 4);
        assertThat(nested.promptTokens()).isEqualTo(-1);
    }

    @Test
    void onlyLinesThatCouldHoldACountAreParsedAndTokenTextCannotFakeOne() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            // token text that mentions the count fields, escaped as JSON escapes a quote inside a string
            b.append("{\"model\":\"m\",\"response\":\"\\\"eval_count\\\": 9, \\\"error\\\"\",\"done\":false}\n");
        }
        b.append("{\"model\":\"m\",\"response\":\"\",\"done\":true,\"prompt_eval_count\":26,\"eval_count\":290}");
        for (int split : new int[] {1, 7, 64, 100000}) {
            UsageTap t = tap("application/x-ndjson", b.toString(), split); // no newline after the last line
            assertThat(t.promptTokens()).as("split %d", split).isEqualTo(26);
            assertThat(t.completionTokens()).isEqualTo(290);
            assertThat(t.events()).isEqualTo(51);
            assertThat(t.sawError()).isFalse();
            assertThat(t.parsedLines()).isEqualTo(1);
        }
        // a token whose text ends in a field's name costs a parse, never a wrong count
        UsageTap t = tap("application/x-ndjson", "{\"response\":\"max_tokens\",\"done\":false}\n"
                + "{\"done\":true,\"eval_count\":4}\n", 3);
        assertThat(t.completionTokens()).isEqualTo(4);
        assertThat(t.parsedLines()).isEqualTo(2);
        assertThat(t.events()).isEqualTo(2);
    }

    @Test
    void theByteTestFindsEveryPlaceACountOrErrorCanBe() {
        for (String line : new String[] {"{\"eval_count\":1}", "{\"prompt_eval_count\":1}", "{\"usage\":{\"prompt_tokens\":1}}",
            "{\"usage\":{\"output_tokens\":1}}", "{\"error\":\"x\"}", "{\"error\":{\"message\":\"x\"}}"}) {
            byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
            assertThat(UsageTap.mayHoldCount(bytes, 0, bytes.length)).as(line).isTrue();
        }
        byte[] token = "{\"model\":\"m\",\"response\":\"hi\",\"done\":false}".getBytes(StandardCharsets.UTF_8);
        assertThat(UsageTap.mayHoldCount(token, 0, token.length)).isFalse();
    }

    @Test
    void ndjsonThatIsNotJsonTurnsTheTapOff() {
        UsageTap t = tap("application/x-ndjson", "{\"eval_count\":[1,}\n{\"eval_count\":3}\n", 4);
        assertThat(t.completionTokens()).isEqualTo(-1);
    }
}
