-- Where a token answer states the refresh token's life (refresh_expires_in), keep-alive refreshes
-- once half of it has passed, if that comes before keep-alive-after. That moment is stored with the
-- tokens so keep-alive finds due devices by index. Null means no life was stated: the refresh token
-- lives Frame.io's 14 days and keep-alive-after alone decides (read at query time, so changing it
-- needs no rewrite). Existing rows stay null: before this column no stated life was ever read, so
-- every stored expiry is the 14 days.
alter table device add column refresh_token_half_life_at timestamptz;

create index device_keep_alive_half_life on device (refresh_token_half_life_at)
    where state = 'PAIRED' and refresh_token_half_life_at is not null;
