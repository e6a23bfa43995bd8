-- 0001_initial: accounts, users, groups, roles, managed policies and their versions,
-- inline policies, access keys, group membership and policy attachments.
-- Times are milliseconds since the Unix epoch. name_key is the name with ASCII letters
-- lowered: IAM names are unique per account without regard to case.

CREATE TABLE accounts (
  id TEXT PRIMARY KEY,
  alias TEXT NOT NULL DEFAULT '',
  created_ms INTEGER NOT NULL
);

CREATE TABLE users (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  name TEXT NOT NULL,
  name_key TEXT NOT NULL,
  path TEXT NOT NULL,
  arn TEXT NOT NULL UNIQUE,
  created_ms INTEGER NOT NULL,
  password_last_used_ms INTEGER,
  permissions_boundary_arn TEXT NOT NULL DEFAULT '',
  UNIQUE (account_id, name_key)
);

CREATE TABLE user_tags (
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (user_id, position)
);

CREATE TABLE groups (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  name TEXT NOT NULL,
  name_key TEXT NOT NULL,
  path TEXT NOT NULL,
  arn TEXT NOT NULL UNIQUE,
  created_ms INTEGER NOT NULL,
  UNIQUE (account_id, name_key)
);

CREATE TABLE roles (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  name TEXT NOT NULL,
  name_key TEXT NOT NULL,
  path TEXT NOT NULL,
  arn TEXT NOT NULL UNIQUE,
  created_ms INTEGER NOT NULL,
  assume_role_policy_document TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  max_session_duration INTEGER NOT NULL,
  permissions_boundary_arn TEXT NOT NULL DEFAULT '',
  UNIQUE (account_id, name_key)
);

CREATE TABLE role_tags (
  role_id TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (role_id, position)
);

-- account_id is "aws" for AWS managed policies, so it is not a reference.
CREATE TABLE policies (
  arn TEXT PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  account_id TEXT NOT NULL,
  name TEXT NOT NULL,
  name_key TEXT NOT NULL,
  path TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  default_version_id TEXT NOT NULL,
  is_attachable INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  UNIQUE (account_id, name_key)
);

CREATE TABLE policy_versions (
  policy_arn TEXT NOT NULL REFERENCES policies (arn) ON DELETE CASCADE,
  version_number INTEGER NOT NULL,
  version_id TEXT NOT NULL,
  document TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  PRIMARY KEY (policy_arn, version_number)
);

-- principal_kind: 0 user, 1 group, 2 role; principal_id is that row's id.
CREATE TABLE inline_policies (
  principal_kind INTEGER NOT NULL,
  principal_id TEXT NOT NULL,
  name TEXT NOT NULL,
  document TEXT NOT NULL,
  PRIMARY KEY (principal_kind, principal_id, name)
);

CREATE TABLE policy_attachments (
  principal_kind INTEGER NOT NULL,
  principal_id TEXT NOT NULL,
  policy_arn TEXT NOT NULL REFERENCES policies (arn),
  PRIMARY KEY (principal_kind, principal_id, policy_arn)
);
CREATE INDEX policy_attachments_by_policy ON policy_attachments (policy_arn);

-- user_id is NULL for an account's root keys. status: 0 Active, 1 Inactive.
CREATE TABLE access_keys (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  user_id TEXT REFERENCES users (id),
  status INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  last_used_ms INTEGER,
  last_used_service TEXT NOT NULL DEFAULT '',
  last_used_region TEXT NOT NULL DEFAULT '',
  sealed_secret BLOB NOT NULL
);
CREATE INDEX access_keys_by_user ON access_keys (account_id, user_id);

CREATE TABLE group_members (
  group_id TEXT NOT NULL REFERENCES groups (id),
  user_id TEXT NOT NULL REFERENCES users (id),
  PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_by_user ON group_members (user_id);

CREATE INDEX users_by_boundary ON users (permissions_boundary_arn);
CREATE INDEX roles_by_boundary ON roles (permissions_boundary_arn);
