-- Corral's PostgreSQL store: the same tables and columns as the SQLite store's schema 4 (times are epoch
-- milliseconds), so `corral store copy` moves rows one to one.
CREATE TABLE meta (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
INSERT INTO meta (name, value) VALUES ('keys_version', 0);

CREATE TABLE keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    hmac BYTEA NOT NULL,
    scopes TEXT NOT NULL,
    models TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    revoked_at BIGINT,
    rpm BIGINT,
    tpm BIGINT,
    daily_tokens BIGINT,
    monthly_tokens BIGINT,
    concurrency INTEGER,
    weight INTEGER,
    previous_hmac BYTEA,
    previous_until BIGINT
);

CREATE TABLE credentials (
    kind TEXT NOT NULL,
    ident TEXT NOT NULL,
    key_id TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (kind, ident)
);

CREATE TABLE usage (
    id BIGSERIAL PRIMARY KEY,
    ts BIGINT NOT NULL,
    request_id TEXT NOT NULL,
    key_id TEXT,
    route TEXT,
    model TEXT,
    status INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    prompt_tokens BIGINT,
    completion_tokens BIGINT,
    duration_ms BIGINT NOT NULL,
    bytes_in BIGINT NOT NULL,
    bytes_out BIGINT NOT NULL,
    auth TEXT
);
CREATE UNIQUE INDEX usage_request_id ON usage (request_id);
CREATE INDEX usage_key_ts ON usage (key_id, ts);
CREATE INDEX usage_ts ON usage (ts);
