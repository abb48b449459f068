-- A script as the first SQLite migration after the hand-over would be (used by SqliteMigrationsTest only).
CREATE INDEX usage_model_ts ON usage (model, ts);
