package dev.corral.doctor;

import dev.corral.config.Cidr;
import dev.corral.config.ConfigException;
import dev.corral.config.ConfigLoader;
import dev.corral.config.Settings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** 8. Corral's own config, when one is given: it loads, it does not serve plain HTTP publicly, it trusts no one blindly. */
public final class CorralConfigCheck implements Check {

    @Override
    public List<Finding> run(Host host, DoctorOptions options) {
        if (options.corralConfig() == null) {
            return List.of();
        }
        Settings s;
        try {
            s = new ConfigLoader(Map.of()).load(options.corralConfig(), Map.of());
        } catch (ConfigException e) {
            return List.of(Finding.fail("corral.config.valid", "Corral's config is valid", e.getMessage(),
                    "correct the field named above; corral serve refuses to start with it"));
        }
        List<Finding> out = new ArrayList<>();
        out.add(Finding.pass("corral.config.valid", "Corral's config is valid", options.corralConfig() + " loads"));
        String bindTitle = "Corral does not serve plain HTTP off this host";
        if (s.listen().isLoopback()) {
            out.add(Finding.pass("corral.config.bind", bindTitle, "listen.address " + s.listen() + " is loopback"));
        } else {
            out.add(Finding.fail("corral.config.bind", bindTitle, "listen.address " + s.listen()
                    + " with listen.insecure_plaintext: true: keys and prompts cross the network unencrypted",
                    "keep listen.address on 127.0.0.1 behind a TLS proxy, or remove listen.insecure_plaintext"));
        }
        String cloudTitle = "Corral refuses cloud models";
        out.add(s.allowCloudModels()
                ? Finding.warn("corral.config.cloud", cloudTitle, "policy.allow_cloud_models: true: keys may spend the"
                        + " owner's ollama.com account", "policy.allow_cloud_models: false")
                : Finding.pass("corral.config.cloud", cloudTitle, "policy.allow_cloud_models: false"));
        String proxyTitle = "Corral trusts X-Forwarded-For only from known proxies";
        List<String> wide = new ArrayList<>();
        for (Cidr c : s.trustedProxies()) {
            if (c.prefix() == 0) {
                wide.add("a /0 range");
            }
        }
        out.add(wide.isEmpty()
                ? Finding.pass("corral.config.trusted_proxies", proxyTitle, s.trustedProxies().size() + " trusted proxy range(s)")
                : Finding.fail("corral.config.trusted_proxies", proxyTitle, "trusted_proxies holds " + String.join(", ", wide)
                        + ": any client can forge its address", "list only your load balancers' addresses"));
        return out;
    }
}
