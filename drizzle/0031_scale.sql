-- slot reserved; replaced by the branch that owns it
SELECT 1;
