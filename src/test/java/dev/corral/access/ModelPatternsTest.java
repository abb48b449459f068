package dev.corral.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ModelPatternsTest {

    @Test
    void globsMatchNormalizedNamesWithTheirImpliedTag() {
        ModelPatterns p = ModelPatterns.of(List.of("llama3*", "qwen2.5:7b", "mistral:latest"));
        assertThat(p.allows("llama3")).isTrue();
        assertThat(p.allows("llama3.2:3b")).isTrue();
        assertThat(p.allows("LLAMA3:8B")).isTrue();
        assertThat(p.allows("registry.ollama.ai/library/llama3:8b")).isTrue();
        assertThat(p.allows("qwen2.5:7b")).isTrue();
        assertThat(p.allows("qwen2.5:14b")).isFalse();
        assertThat(p.allows("qwen2.5")).isFalse();
        assertThat(p.allows("mistral")).isTrue();
        assertThat(p.allows("evil.example/llama3")).isFalse();
        assertThat(p.allows("myllama3")).isFalse();
        assertThat(ModelPatterns.of(List.of()).allows("anything")).isTrue();
    }

    @Test
    void cloudModelsAreRecognizedInEveryDisguise() {
        for (String m : List.of("gpt-oss:120b-cloud", "qwen3-coder:480b-cloud", "kimi:cloud", "KIMI:CLOUD",
                "registry.ollama.ai/library/deepseek:671b-cloud", " x:cloud ")) {
            assertThat(ModelNames.isCloud(m)).as(m).isTrue();
        }
        for (String m : List.of("llama3", "cloud", "cloud:latest", "my-cloud-model:7b", "cloud-x/llama:7b")) {
            assertThat(ModelNames.isCloud(m)).as(m).isFalse();
        }
    }

    @Test
    void patternsFromTheCommandLineAreChecked() {
        assertThat(ModelPatterns.parse("llama3*, qwen2.5:7b,,")).containsExactly("llama3*", "qwen2.5:7b");
        assertThatThrownBy(() -> ModelPatterns.parse("llama3;rm")).hasMessageContaining("llama3;rm");
    }
}
