-- The device list's refreshExpiresBefore filter without reading every device.
create index concurrently if not exists device_refresh_expiry on device (refresh_token_expires_at)
    where refresh_token_expires_at is not null;
