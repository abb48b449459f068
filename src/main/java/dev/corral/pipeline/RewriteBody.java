package dev.corral.pipeline;

import io.netty.buffer.Unpooled;

/**
 * Rewrites the request body once, for all the edits the steps before decided: the members bound to
 * each edited field (in any spelling, however many) are removed and the decided ones appended, so
 * Ollama reads exactly those values and everything else byte for byte as sent.
 */
public final class RewriteBody implements Step {
    @Override
    public Decision apply(Exchange ex) {
        if (ex.edits().isEmpty() || ex.parsed() == null) {
            return Decision.CONTINUE;
        }
        byte[] rewritten = ex.parsed().replacing(ex.edits().fields(), ex.edits().members());
        ex.parsed(null); // its offsets were for the body it replaces
        ex.body(Unpooled.wrappedBuffer(rewritten));
        return Decision.CONTINUE;
    }
}
