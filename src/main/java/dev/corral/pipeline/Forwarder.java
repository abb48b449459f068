package dev.corral.pipeline;

/** Sends an admitted exchange on to Ollama and relays the answer to the client ({@link Forward}). */
public interface Forwarder {
    /** Starts; the connection keeps the handle for the client's writability and departure. */
    Forwarding start(Exchange ex, ClientSink sink);
}
