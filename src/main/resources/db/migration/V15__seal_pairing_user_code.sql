-- A live user code, alone or at the end of verification_uri_complete, lets whoever reads it bind the
-- device to a Frame.io project of their own: both are sealed from now on (v1.<keyId>.<base64url>),
-- which no longer fits varchar(64). Rows written before stay plaintext until key rotation seals them;
-- readers take either form.
alter table pairing alter column user_code type text;
