package dev.corral.config;

import java.util.function.UnaryOperator;

/** Runs one field's parser and turns its failure into "where: reason", where names the file, variable or flag and the field. */
record Check(UnaryOperator<String> whereOf) {
    interface Parser<T> {
        T parse();
    }

    String where(String field) {
        return whereOf.apply(field);
    }

    <T> T get(String field, Parser<T> parser) {
        try {
            return parser.parse();
        } catch (ConfigException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ConfigException(whereOf.apply(field) + ": " + e.getMessage());
        }
    }
}
