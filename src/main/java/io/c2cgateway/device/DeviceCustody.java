package io.c2cgateway.device;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

import io.c2cgateway.audit.AuditLog;
import io.c2cgateway.crypto.Secret;
import io.c2cgateway.crypto.SecretBox;
import io.c2cgateway.frameio.TokenGrant;
import io.c2cgateway.security.ApiKeyService;

import static io.c2cgateway.system.SqlTime.utc;

/** Custody of a device's tokens from the moment its pairing is authorized. */
@Service
public class DeviceCustody {

	private static final Logger log = LoggerFactory.getLogger(DeviceCustody.class);

	/** Frame.io refresh tokens live 14 days from issue; its token answers do not say so. */
	static final Duration REFRESH_TOKEN_LIFE = Duration.ofDays(14);

	private final JdbcClient jdbc;

	private final SecretBox box;

	private final ApiKeyService keys;

	private final AuditLog audit;

	private final RevocationStore revocationJobs;

	private final DeviceStore devices;

	DeviceCustody(JdbcClient jdbc, SecretBox box, ApiKeyService keys, AuditLog audit, RevocationStore revocationJobs,
			DeviceStore devices) {
		this.jdbc = jdbc;
		this.box = box;
		this.keys = keys;
		this.audit = audit;
		this.revocationJobs = revocationJobs;
		this.devices = devices;
	}

	/**
	 * Creates or replaces the device's record with the tokens of a newly authorized pairing. The
	 * device's earlier key stops working: it belonged to the previous pairing. Joins the caller's
	 * transaction, so the pairing turns AUTHORIZED exactly when the tokens are stored. The version
	 * grows, so a refresh still in flight for the replaced tokens cannot overwrite these; the refresh
	 * bookkeeping of the old chain is cleared, since nothing about it applies to the new one. The
	 * tokens of the previous pairing are queued for revocation at Frame.io in the same transaction.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public void acceptAuthorization(String deviceId, String model, String clientVersion, UUID pairingId,
			TokenGrant tokens, Instant receivedAt, String actor) {
		supersede(deviceId, pairingId, receivedAt, actor);
		String access = this.box.seal(tokens.accessToken(), "device", "access_token", deviceId);
		String refresh = this.box.seal(tokens.refreshToken(), "device", "refresh_token", deviceId);
		this.jdbc.sql("""
				insert into device (device_id, model, client_version, state, access_token_enc, access_token_expires_at,
				    refresh_token_enc, refresh_token_issued_at, refresh_token_expires_at, refresh_token_half_life_at,
				    paired_at, last_refresh_at, last_pairing_id, device_key_issued, revoked_at, version)
				values (:deviceId, :model, :clientVersion, 'PAIRED', :access, :accessExpires, :refresh, :at,
				    :refreshExpires, :refreshHalfLife, :at, null, :pairingId, false, null, 1)
				on conflict (device_id) do update set model = excluded.model, client_version = excluded.client_version,
				    state = 'PAIRED', access_token_enc = excluded.access_token_enc,
				    access_token_expires_at = excluded.access_token_expires_at,
				    refresh_token_enc = excluded.refresh_token_enc,
				    refresh_token_issued_at = excluded.refresh_token_issued_at,
				    refresh_token_expires_at = excluded.refresh_token_expires_at,
				    refresh_token_half_life_at = excluded.refresh_token_half_life_at, paired_at = excluded.paired_at,
				    last_refresh_at = null, last_pairing_id = excluded.last_pairing_id, device_key_issued = false,
				    revoked_at = null, version = device.version + 1, refresh_lease_owner = null,
				    refresh_lease_until = null, refresh_failed_by = null, refresh_failure = null,
				    refresh_failed_at = null, refresh_unknown_since = null
				""")
			.param("deviceId", deviceId)
			.param("model", model)
			.param("clientVersion", clientVersion)
			.param("access", access)
			.param("accessExpires", utc(receivedAt.plusSeconds(tokens.expiresInSeconds())))
			.param("refresh", refresh)
			.param("at", utc(receivedAt))
			.param("refreshExpires", utc(receivedAt.plus(refreshTokenLife(tokens))))
			.param("refreshHalfLife", utc(refreshHalfLifeAt(tokens, receivedAt)))
			.param("pairingId", pairingId)
			.update();
		this.keys.revokeDeviceKeys(deviceId);
		this.audit.record(receivedAt, actor, "device.paired", "device", deviceId, "pairingId=" + pairingId);
	}

	/** The life of the grant's refresh token: as the answer states it, else Frame.io's 14 days (contract 1.2). */
	static Duration refreshTokenLife(TokenGrant tokens) {
		Long stated = tokens.refreshExpiresInSeconds();
		return (stated != null && stated > 0) ? Duration.ofSeconds(stated) : REFRESH_TOKEN_LIFE;
	}

	/**
	 * When half of a stated refresh-token life has passed: keep-alive refreshes then, if that comes
	 * before {@code keep-alive-after} (contract 1.2). Null when the answer stated no life: then
	 * {@code keep-alive-after} alone decides, and it may change without rewriting any row.
	 */
	static Instant refreshHalfLifeAt(TokenGrant tokens, Instant issuedAt) {
		Long stated = tokens.refreshExpiresInSeconds();
		return (stated != null && stated > 0) ? issuedAt.plus(Duration.ofSeconds(stated).dividedBy(2)) : null;
	}

	/**
	 * The tokens of the device's previous pairing, about to be replaced: Frame.io keeps them valid
	 * until they are revoked, so they are queued for the revocation retry (locking the device row),
	 * with the model and client version they were issued under. A revoked device has none left: its
	 * revocation took them. A device that must re-authorize most likely holds a spent refresh token;
	 * it is sent all the same, and Frame.io's refusal ends that job (audited). The job's id follows
	 * from the new pairing's, so the same authorization queues nothing twice.
	 */
	private void supersede(String deviceId, UUID pairingId, Instant at, String actor) {
		DeviceRow old = this.devices.lock(deviceId).orElse(null);
		if (old == null || DeviceRow.REVOKED.equals(old.state()) || pairingId.equals(old.lastPairingId())) {
			return;
		}
		Secret refresh = openQuietly(old.sealedRefreshToken(), "refresh_token", deviceId);
		boolean accessAlive = old.accessTokenExpiresAt() != null && old.accessTokenExpiresAt().isAfter(at);
		Secret access = accessAlive ? openQuietly(old.sealedAccessToken(), "access_token", deviceId) : null;
		if (refresh == null && access == null) {
			return;
		}
		UUID job = UUID.nameUUIDFromBytes(("superseded-by:" + pairingId).getBytes(StandardCharsets.UTF_8));
		boolean queued = this.revocationJobs.insertRevocation(job, deviceId, old.model(), old.clientVersion(),
				(refresh != null) ? this.box.seal(refresh, Revocations.TABLE, "refresh_token", job) : null,
				(access != null) ? this.box.seal(access, Revocations.TABLE, "access_token", job) : null, at,
				RevocationStore.Reason.SUPERSEDED, old.lastPairingId(), deadBy(old, refresh != null, access != null, at));
		if (queued) {
			this.audit.record(at, actor, "device.tokens_superseded", "device", deviceId, "pairingId=" + old.lastPairingId()
					+ " supersededBy=" + pairingId + " revocationId=" + job);
			log.info("Device {} is paired again; the tokens of its previous pairing are queued for revocation", deviceId);
		}
	}

	/**
	 * When the last of a device row's tokens that go to a revocation job dies by itself: after that,
	 * nothing is left to revoke. A refresh token without a known expiry counts as one issued {@code now}.
	 */
	static Instant deadBy(DeviceRow device, boolean refresh, boolean access, Instant now) {
		Instant by = now;
		if (refresh) {
			by = (device.refreshTokenExpiresAt() != null) ? device.refreshTokenExpiresAt() : now.plus(REFRESH_TOKEN_LIFE);
		}
		if (access && device.accessTokenExpiresAt() != null && device.accessTokenExpiresAt().isAfter(by)) {
			by = device.accessTokenExpiresAt();
		}
		return by;
	}

	private Secret openQuietly(String sealed, String column, String deviceId) {
		if (sealed == null) {
			return null;
		}
		try {
			return this.box.open(sealed, TokenRefresher.TABLE, column, deviceId);
		}
		catch (SecretBox.CryptoException ex) {
			// The new pairing must not fail because of an unreadable old token.
			log.error("Device {}: the stored {} of the previous pairing cannot be decrypted and is not revoked upstream",
					deviceId, column);
			return null;
		}
	}

	/**
	 * Tokens Frame.io issued for a pairing that can no longer take them (it was cancelled or ended
	 * otherwise while the poll was answered). The device stays bound at Frame.io while they live and
	 * nobody else holds them, so they are queued for the revocation retry, with an audit event on
	 * the pairing. The job's id follows from the pairing's (Frame.io answers a pairing's code with
	 * tokens once): writing the same outcome again, after a failed attempt whose commit did land,
	 * queues nothing twice.
	 *
	 * @param reason why the tokens are not accepted, for the audit trail
	 */
	@Transactional
	public void discardAuthorization(String deviceId, String model, String clientVersion, UUID pairingId,
			TokenGrant tokens, Instant receivedAt, String actor, String reason) {
		UUID job = UUID.nameUUIDFromBytes(("discarded-authorization:" + pairingId).getBytes(StandardCharsets.UTF_8));
		boolean queued = this.revocationJobs.insertRevocation(job, deviceId, model, clientVersion,
				this.box.seal(tokens.refreshToken(), Revocations.TABLE, "refresh_token", job),
				this.box.seal(tokens.accessToken(), Revocations.TABLE, "access_token", job), receivedAt,
				RevocationStore.Reason.DISCARDED, pairingId, receivedAt.plus(REFRESH_TOKEN_LIFE));
		if (queued) {
			this.audit.record(receivedAt, actor, "pairing.tokens_discarded", "pairing", pairingId.toString(),
					"deviceId=" + deviceId + " revocationId=" + job + " reason=" + reason);
			log.info("Pairing {} got tokens it can no longer take ({}); they are queued for revocation", pairingId,
					reason);
		}
	}

}
