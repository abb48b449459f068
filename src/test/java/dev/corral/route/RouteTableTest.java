package dev.corral.route;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.HttpMethod;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RouteTableTest {
    final RouteTable table = RouteTable.ollama();

    RouteMatch pub(String method, String path) {
        return table.classify(HttpMethod.valueOf(method), path, RouteTable.publicClasses());
    }

    @ParameterizedTest
    @CsvSource({
        "GET, /, root, META", "HEAD, /api/version, version, META", "GET, /api/tags, tags, META",
        "POST, /api/show, show, META", "GET, /api/ps, ps, META", "GET, /v1/models, openai_models, META",
        "GET, /v1/models/llama3:8b, openai_model, META", "POST, /api/generate, generate, INFERENCE",
        "POST, /api/chat, chat, INFERENCE", "POST, /api/embed, embed, INFERENCE",
        "POST, /v1/chat/completions, openai_chat, INFERENCE", "POST, /v1/messages, anthropic_messages, INFERENCE",
        "POST, /v1/responses, openai_responses, INFERENCE", "POST, /v1/audio/transcriptions, openai_transcriptions, INFERENCE",
        "HEAD, /api/blobs/sha256:abc, blob_head, META"})
    void ollamasRoutesAreClassified(String method, String path, String name, RouteClass cls) {
        RouteMatch m = pub(method, path);
        assertThat(m.kind()).isEqualTo(RouteMatch.Kind.FOUND);
        assertThat(m.route().name()).isEqualTo(name);
        assertThat(m.route().routeClass()).isEqualTo(cls);
    }

    @ParameterizedTest
    @CsvSource({"POST, /api/pull", "POST, /api/push", "POST, /api/create", "DELETE, /api/delete", "POST, /api/copy",
        "POST, /api/blobs/sha256:abc", "POST, /api/me", "POST, /api/signout", "DELETE, /api/user/keys/k",
        "POST, /api/experimental/web_search", "POST, /api/experimental/web_fetch", "GET, /api/pull"})
    void adminAndAccountRoutesDoNotExistOnThePublicListener(String method, String path) {
        assertThat(pub(method, path).kind()).isEqualTo(RouteMatch.Kind.NOT_FOUND);
        assertThat(table.classify(HttpMethod.valueOf(method), path, EnumSet.allOf(RouteClass.class)).kind())
                .isIn(RouteMatch.Kind.FOUND, RouteMatch.Kind.METHOD_NOT_ALLOWED);
    }

    @Test
    void pathsAreReadAsOllamasRouterReadsThem() {
        // Go decodes the path before routing: an encoded slash is a slash.
        assertThat(pub("POST", "/api%2Fchat").route().name()).isEqualTo("chat");
        assertThat(pub("POST", "/api/%63hat").route().name()).isEqualTo("chat");
        assertThat(pub("POST", "/api%2Fpull").kind()).isEqualTo(RouteMatch.Kind.NOT_FOUND);
        // No cleaning, case-sensitive, no trailing-slash leniency.
        assertThat(pub("POST", "/api/./chat").kind()).isEqualTo(RouteMatch.Kind.NOT_FOUND);
        assertThat(pub("POST", "/api/x/../chat").kind()).isEqualTo(RouteMatch.Kind.NOT_FOUND);
        assertThat(pub("POST", "/API/CHAT").kind()).isEqualTo(RouteMatch.Kind.NOT_FOUND);
        assertThat(pub("POST", "//api/chat").kind()).isEqualTo(RouteMatch.Kind.NOT_FOUND);
        assertThat(pub("GET", "/api/chat").kind()).isEqualTo(RouteMatch.Kind.METHOD_NOT_ALLOWED);
        assertThat(pub("GET", "/v1/models/").kind()).isEqualTo(RouteMatch.Kind.NOT_FOUND);
    }

    @Test
    void unreadableTargetsAreBad() {
        for (String p : new String[] {"/api/%zz", "/api/%", "/a%00", "/a%0a", "/%c3%28", "api/chat", "*", "http://h/api/chat", "/a b"}) {
            assertThat(pub("GET", p).kind()).as(p).isEqualTo(RouteMatch.Kind.BAD_TARGET);
        }
    }

    @Test
    void theForwardedPathDecodesToTheClassifiedOne() {
        for (String p : new String[] {"/api/chat", "/v1/models/llama3:8b", "/v1/models/caf\u00e9", "/api/blobs/sha256:ab",
                "/v1/models/a b%"}) {
            assertThat(RouteTable.decodePath(RouteTable.encodePath(p))).isEqualTo(p);
        }
    }

    @Test
    void dialectFollowsThePath() {
        assertThat(pub("POST", "/v1/messages").dialect()).isEqualTo(Dialect.ANTHROPIC);
        assertThat(pub("POST", "/v1/chat/completions").dialect()).isEqualTo(Dialect.OPENAI);
        assertThat(pub("GET", "/v1/unknown").dialect()).isEqualTo(Dialect.OPENAI);
        assertThat(pub("GET", "/api/unknown").dialect()).isEqualTo(Dialect.OLLAMA);
    }
}
