-- Placeholder, filled by its issue.
SELECT 1;
