-- 0002_instance_profiles: instance profiles, their tags and the roles they hold.
-- Times are milliseconds since the Unix epoch; name_key is the name with ASCII letters
-- lowered, as in 0001.

CREATE TABLE instance_profiles (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  name TEXT NOT NULL,
  name_key TEXT NOT NULL,
  path TEXT NOT NULL,
  arn TEXT NOT NULL UNIQUE,
  created_ms INTEGER NOT NULL,
  UNIQUE (account_id, name_key)
);

CREATE TABLE instance_profile_tags (
  profile_id TEXT NOT NULL REFERENCES instance_profiles (id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (profile_id, position)
);

CREATE TABLE instance_profile_roles (
  profile_id TEXT NOT NULL REFERENCES instance_profiles (id),
  role_id TEXT NOT NULL REFERENCES roles (id),
  PRIMARY KEY (profile_id, role_id)
);
CREATE INDEX instance_profile_roles_by_role ON instance_profile_roles (role_id);
