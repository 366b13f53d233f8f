-- Accounts with server-wide write privileges (a per-schema REVOKE cannot take these away).
SELECT User, Host FROM mysql.user
 WHERE Insert_priv = 'Y' OR Update_priv = 'Y' OR Delete_priv = 'Y' OR Drop_priv = 'Y'
 ORDER BY 1, 2
