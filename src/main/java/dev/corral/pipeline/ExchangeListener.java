package dev.corral.pipeline;

/** Told once about every finished exchange: usage records, the access log and metrics listen here. */
public interface ExchangeListener {
    void onComplete(Exchange exchange);
}
