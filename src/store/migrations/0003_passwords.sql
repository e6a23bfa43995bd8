-- 0003_passwords: login profiles (argon2id password hashes), password history for reuse
-- prevention, and the account password policy. Times are milliseconds since the Unix
-- epoch. A hash is the encoded argon2id string; plaintext passwords are never stored.

CREATE TABLE login_profiles (
  user_id TEXT PRIMARY KEY REFERENCES users (id),
  password_hash TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  password_last_changed_ms INTEGER NOT NULL,
  password_reset_required INTEGER NOT NULL DEFAULT 0
);

-- position 0 is the newest previous password.
CREATE TABLE password_history (
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  password_hash TEXT NOT NULL,
  PRIMARY KEY (user_id, position)
);

-- max_password_age and password_reuse_prevention: 0 means not set.
CREATE TABLE password_policies (
  account_id TEXT PRIMARY KEY REFERENCES accounts (id),
  minimum_password_length INTEGER NOT NULL,
  require_symbols INTEGER NOT NULL,
  require_numbers INTEGER NOT NULL,
  require_uppercase_characters INTEGER NOT NULL,
  require_lowercase_characters INTEGER NOT NULL,
  allow_users_to_change_password INTEGER NOT NULL,
  max_password_age INTEGER NOT NULL,
  password_reuse_prevention INTEGER NOT NULL,
  hard_expiry INTEGER NOT NULL
);
