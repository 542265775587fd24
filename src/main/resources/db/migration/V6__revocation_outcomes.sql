-- Upstream revocation ends: DONE when Frame.io confirmed, FAILED when Frame.io refused (a 4xx
-- with an OAuth or Frame.io error; the code stays in last_error), EXPIRED when the tokens' life
-- passed before that (nothing left to revoke). done_at marks every end; outcome says which.
-- A job's reason tells whose tokens it holds: a revoked device's own (device_revoked; they decide
-- the device's upstreamRevocation), those a later pairing replaced (superseded), or those of a
-- pairing that could no longer take them (discarded). pairing_id names the pairing the tokens
-- were issued for, where known.
alter table device_revocation
    add column reason      varchar(32),
    add column pairing_id  uuid,
    add column expires_at  timestamptz,
    add column outcome     varchar(16);

-- Jobs from before: discarded ones have the id DeviceCustody derives from their pairing's
-- (UUID.nameUUIDFromBytes, an MD5 name-based UUID); every other job is a revoked device's.
update device_revocation r set reason = 'discarded', pairing_id = p.id
from pairing p
where r.id = (select (substr(h, 1, 12) || '3' || substr(h, 14, 3)
        || to_hex((('x' || substr(h, 17, 1))::bit(4)::int & 3) | 8) || substr(h, 18))::uuid
    from md5('discarded-authorization:' || p.id::text) as h);
update device_revocation r set reason = 'device_revoked', pairing_id = d.last_pairing_id
from device d
where r.reason is null and d.device_id = r.device_id;
update device_revocation set reason = 'device_revoked' where reason is null;
-- A job's tokens were issued before it was queued, so they are dead 14 days after that at the latest.
update device_revocation set expires_at = created_at + interval '14 days';
update device_revocation set outcome = 'DONE' where done_at is not null;

alter table device_revocation
    alter column reason set not null,
    alter column expires_at set not null,
    add constraint device_revocation_reason check (reason in ('device_revoked', 'superseded', 'discarded')),
    add constraint device_revocation_outcome check (outcome in ('DONE', 'FAILED', 'EXPIRED'));

-- A device's revocation status is read from its ended jobs too, not only the pending ones.
drop index device_revocation_device;
create index device_revocation_device on device_revocation (device_id);
