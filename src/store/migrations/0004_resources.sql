-- 0004_resources: tags of customer managed policies, and one table for the smaller
-- records of an account (store::Resource): MFA devices, SSH public keys, signing and
-- server certificates, service-specific credentials, OIDC and SAML providers, account
-- aliases, reports, sign-in state, account settings. `kind` is store::ResourceKind;
-- `body` is the owning API layer's JSON. Times are milliseconds since the Unix epoch.

CREATE TABLE policy_tags (
  policy_arn TEXT NOT NULL REFERENCES policies (arn) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (policy_arn, position)
);

CREATE TABLE resources (
  account_id TEXT NOT NULL REFERENCES accounts (id),
  kind INTEGER NOT NULL,
  key TEXT NOT NULL,
  user_id TEXT REFERENCES users (id),  -- NULL: belongs to no user
  path TEXT NOT NULL,
  body TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  PRIMARY KEY (account_id, kind, key)
);
CREATE INDEX resources_by_user ON resources (user_id);

CREATE TABLE resource_tags (
  account_id TEXT NOT NULL,
  kind INTEGER NOT NULL,
  resource_key TEXT NOT NULL,
  position INTEGER NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (account_id, kind, resource_key, position),
  FOREIGN KEY (account_id, kind, resource_key) REFERENCES resources (account_id, kind, key)
    ON DELETE CASCADE
);
