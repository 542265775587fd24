package io.c2cgateway.device;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import io.c2cgateway.audit.AuditLog;
import io.c2cgateway.webhook.Outbox;
import io.c2cgateway.webhook.WebhookEvents;
import io.c2cgateway.crypto.Secret;
import io.c2cgateway.crypto.SecretBox;
import io.c2cgateway.security.ApiKeyService;
import io.c2cgateway.security.Caller;
import io.c2cgateway.system.Conflict;
import io.c2cgateway.system.NotFound;
import io.c2cgateway.system.Patterns;

/** Devices as admins, stations and devices see them: access tokens, device keys, listing, revocation. */
@Service
public class DeviceService {

	private static final Logger log = LoggerFactory.getLogger(DeviceService.class);

	private static final Pattern DEVICE_ID = Pattern.compile(Patterns.DEVICE_ID);

	private final DeviceStore store;

	private final RevocationStore revocationJobs;

	private final TokenRefresher refresher;

	private final Revocations revocations;

	private final PairingLookup pairings;

	private final ApiKeyService keys;

	private final SecretBox box;

	private final AuditLog audit;

	private final TransactionTemplate tx;

	private final Clock clock;

	private final Outbox outbox;

	DeviceService(DeviceStore store, RevocationStore revocationJobs, TokenRefresher refresher, Revocations revocations,
			PairingLookup pairings, ApiKeyService keys, SecretBox box, AuditLog audit,
			PlatformTransactionManager transactions, Clock clock, Outbox outbox) {
		this.outbox = outbox;
		this.store = store;
		this.revocationJobs = revocationJobs;
		this.refresher = refresher;
		this.revocations = revocations;
		this.pairings = pairings;
		this.keys = keys;
		this.box = box;
		this.audit = audit;
		this.tx = new TransactionTemplate(transactions);
		this.clock = clock;
	}

	/** A DEVICE key may only ask for itself; any other device is hidden (404), as is an unknown one. */
	TokenRefresher.AccessToken accessToken(String deviceId, Caller caller, String clientVersion) {
		if (!caller.isAdmin() && (caller.deviceId() == null || !caller.deviceId().equals(deviceId))) {
			throw new NotFound("Device");
		}
		String id = requireId(deviceId);
		if (clientVersion != null) {
			reportClientVersion(id, clientVersion, caller.actor());
		}
		return this.refresher.validToken(id, caller.actor());
	}

	/**
	 * New firmware: refreshes and revocations name it in {@code x-client-version} from now on. The
	 * row's version is left alone, so a refresh already under way is not fenced out by it.
	 */
	private void reportClientVersion(String deviceId, String clientVersion, String actor) {
		this.tx.executeWithoutResult((status) -> {
			if (this.store.updateClientVersion(deviceId, clientVersion)) {
				this.audit.record(this.clock.instant(), actor, "device.client_version_reported", "device", deviceId,
						"clientVersion=" + clientVersion);
			}
		});
	}

	public DeviceView get(String deviceId) {
		return this.store.find(requireId(deviceId)).map(DeviceRow::view).orElseThrow(() -> new NotFound("Device"));
	}

	public Page list(DeviceQuery query) {
		List<DeviceRow> rows = this.store.list(query);
		String next = null;
		if (rows.size() > query.limit()) {
			rows = rows.subList(0, query.limit());
			next = DeviceQuery.cursorOf(rows.get(rows.size() - 1).deviceId());
		}
		return new Page(rows.stream().map(DeviceRow::view).toList(), next);
	}

	/**
	 * The device key of an authorized pairing, once. The flag is set by a conditional update in the
	 * transaction that issues the key, so of two concurrent requests exactly one gets a key.
	 */
	public IssuedDeviceKey issueForPairing(String pairingId, Caller caller) {
		PairingLookup.PairingFacts pairing = this.pairings.visible(pairingId, caller);
		if (!pairing.authorized()) {
			throw new Conflict("not_authorized", "The pairing is " + pairing.status() + ", not AUTHORIZED");
		}
		String deviceId = pairing.deviceId();
		String key = this.tx.execute((status) -> {
			if (this.store.markKeyIssued(deviceId, pairing.id())) {
				return this.keys.issueDeviceKey(deviceId, caller.actor());
			}
			DeviceRow device = this.store.find(deviceId).orElse(null);
			if (device == null || !pairing.id().equals(device.lastPairingId())) {
				// Its tokens were replaced by a later pairing; a key from here would stop that pairing's key.
				throw new Conflict("not_authorized",
						"A later pairing of device " + deviceId + " was authorized; ask for the key of that pairing");
			}
			if (DeviceRow.REVOKED.equals(device.state())) {
				throw new Conflict("device_revoked", "The device is revoked");
			}
			throw new Conflict("device_key_already_issued",
					"The device key of this pairing was already issued");
		});
		return new IssuedDeviceKey(deviceId, key);
	}

	/** A new key for a device that lost its own; the old one stops working in the same transaction. */
	IssuedDeviceKey rekey(String deviceId, Caller caller) {
		String id = requireId(deviceId);
		String key = this.tx.execute((status) -> {
			DeviceRow device = this.store.lock(id).orElseThrow(() -> new NotFound("Device"));
			if (DeviceRow.REVOKED.equals(device.state())) {
				throw new Conflict("device_revoked", "The device is revoked");
			}
			// The station's one key of this pairing would otherwise stop the key handed out here.
			this.store.markKeyIssued(id);
			return this.keys.issueDeviceKey(id, caller.actor());
		});
		return new IssuedDeviceKey(id, key);
	}

	/**
	 * Revokes a device: its key dies and its tokens leave the device row in one transaction; then
	 * one attempt to revoke them at Frame.io, which the background retry repeats until Frame.io
	 * confirms or refuses, or the tokens die by themselves. Revoking a revoked device changes nothing
	 * and answers the same.
	 */
	public DeviceView revoke(String deviceId, Caller caller) {
		String id = requireId(deviceId);
		UUID job = this.tx.execute((status) -> {
			DeviceRow device = this.store.lock(id).orElseThrow(() -> new NotFound("Device"));
			if (DeviceRow.REVOKED.equals(device.state())) {
				return null;
			}
			Instant now = this.clock.instant();
			Secret refresh = openQuietly(device.sealedRefreshToken(), "refresh_token", id);
			boolean accessAlive = device.accessTokenExpiresAt() != null && device.accessTokenExpiresAt().isAfter(now);
			Secret access = accessAlive ? openQuietly(device.sealedAccessToken(), "access_token", id) : null;
			UUID revocation = null;
			if (refresh != null || access != null) {
				revocation = UUID.randomUUID();
				this.revocationJobs.insertRevocation(revocation, id, device.model(), device.clientVersion(),
						seal(refresh, "refresh_token", revocation), seal(access, "access_token", revocation), now,
						RevocationStore.Reason.DEVICE_REVOKED, device.lastPairingId(),
						DeviceCustody.deadBy(device, refresh != null, access != null, now));
			}
			this.store.revoke(id, now);
			this.keys.revokeDeviceKeys(id);
			this.audit.record(now, caller.actor(), "device.revoked", "device", id,
					(revocation != null) ? "revocationId=" + revocation : "tokens=none");
			this.outbox.publish(WebhookEvents.DEVICE_REVOKED, "device", id, now);
			return revocation;
		});
		if (job != null) {
			this.revocations.attempt(job);
		}
		return get(id);
	}

	private Secret openQuietly(String sealed, String column, String deviceId) {
		if (sealed == null) {
			return null;
		}
		try {
			return this.box.open(sealed, TokenRefresher.TABLE, column, deviceId);
		}
		catch (SecretBox.CryptoException ex) {
			// Revocation must not fail because of an unreadable token: the device dies here either way.
			log.error("Device {}: the stored {} cannot be decrypted and is not revoked upstream", deviceId, column);
			return null;
		}
	}

	private String seal(Secret secret, String column, UUID job) {
		return (secret != null) ? this.box.seal(secret, Revocations.TABLE, column, job) : null;
	}

	private static String requireId(String deviceId) {
		if (deviceId == null || !DEVICE_ID.matcher(deviceId).matches()) {
			throw new NotFound("Device");
		}
		return deviceId;
	}

	public record Page(List<DeviceView> items, String nextCursor) {
	}

	/** Shown once, in the response that issues it. */
	public record IssuedDeviceKey(String deviceId, String deviceKey) {

		@Override
		public String toString() {
			return "IssuedDeviceKey[deviceId=" + this.deviceId + ", deviceKey=***]";
		}

	}

}
