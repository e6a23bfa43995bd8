-- 0002_reserved: a placeholder for the roles work's 0002 migration (issue 4), which lands
-- in a parallel branch; migration versions must run without gaps. Replace this file by
-- that migration when the branches merge.
SELECT 1;
