package dev.corral.doctor;

import java.net.URI;
import java.nio.file.Path;

/**
 * What the operator told the doctor. Null fields were not given.
 *
 * @param unit          the Ollama systemd unit ("ollama")
 * @param unitFile      a unit file to analyse offline instead of the live unit
 * @param modelsDir     the model store, when not OLLAMA_MODELS or the default
 * @param storeOwner    the user that must own the model store ("ollama")
 * @param ollamaVersion the pinned version `ollama --version` must report
 * @param ollamaSha256  a sha256sum-format file the binary must match
 * @param ollamaBinary  the binary to hash, when not the `ollama` on PATH
 * @param insecureTls   probe the gateway without verifying its certificate or its name (curl -k)
 * @param caCert        a PEM file whose CA certificates are the only trust anchors for the gateway probe
 * @param fix           apply the model-store permission fixes (only then)
 */
public record DoctorOptions(boolean host, String unit, Path unitFile, Path modelsDir, String storeOwner,
                            String ollamaVersion, Path ollamaSha256, Path ollamaBinary, URI gateway, String key,
                            boolean insecureTls, Path caCert, Path corralConfig, boolean fix) {

    public static DoctorOptions defaults() {
        return new DoctorOptions(true, "ollama", null, null, "ollama", null, null, null, null, null, false, null, null, false);
    }
}
