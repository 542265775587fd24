package io.c2cgateway.security;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

import io.c2cgateway.audit.AuditLog;
import io.c2cgateway.system.Conflict;
import io.c2cgateway.system.InvalidConfigurationException;
import io.c2cgateway.system.NotFound;

/** API keys and device keys: issued once in plaintext, kept as hashes, revocable at once. */
@Service
public class ApiKeyService {

	static final UUID BOOTSTRAP_ID = new UUID(0, 0);

	static final String BOOTSTRAP_NAME = "bootstrap-admin";

	/**
	 * How long a looked-up key is trusted without asking the database again. A key deleted on
	 * another replica (or in the database directly) keeps working here at most this long, well
	 * inside the second a deleted key may take to stop working everywhere. This replica's own
	 * revocations clear the cache at once.
	 */
	static final Duration LOOKUP_CACHE_TTL = Duration.ofMillis(500);

	/** Bounds the memory a flood of made-up keys can take; an eviction only costs a lookup. */
	private static final int LOOKUP_CACHE_SIZE = 10_000;

	private final ApiKeys keys;

	private final AuditLog audit;

	private final Clock clock;

	private final String bootstrapHash;

	private final BootstrapKeySwitch bootstrapSwitch;

	private final JdbcClient jdbc;

	/** Hash of a presented key → the caller it stood for, or empty for an unknown or revoked key. */
	private final Cache<String, Optional<Caller>> lookups = Caffeine.newBuilder()
		.expireAfterWrite(LOOKUP_CACHE_TTL)
		.maximumSize(LOOKUP_CACHE_SIZE)
		.build();

	ApiKeyService(ApiKeys keys, AuditLog audit, Clock clock, SecurityProperties properties,
			BootstrapKeySwitch bootstrapSwitch, JdbcClient jdbc) {
		this.keys = keys;
		this.jdbc = jdbc;
		this.bootstrapSwitch = bootstrapSwitch;
		this.audit = audit;
		this.clock = clock;
		String bootstrap = properties.bootstrapAdminKey();
		if (bootstrap != null && !bootstrap.isBlank() && bootstrap.trim().length() < 32) {
			throw new InvalidConfigurationException(
					"GATEWAY_SECURITY_BOOTSTRAP_ADMIN_KEY is malformed: it must be at least 32 characters long");
		}
		this.bootstrapHash = (bootstrap == null || bootstrap.isBlank()) ? null : KeyMaterial.hash(bootstrap.trim());
	}

	/**
	 * Which of these keys still work: for holders of long-lived things a key opened (event streams),
	 * which must end when the key is deleted on any replica.
	 */
	@Transactional(readOnly = true)
	public Set<UUID> stillValid(Collection<UUID> ids) {
		Set<UUID> valid = new HashSet<>();
		List<UUID> stored = new ArrayList<>();
		for (UUID id : ids) {
			if (BOOTSTRAP_ID.equals(id)) {
				if (this.bootstrapHash != null && !this.bootstrapSwitch.isDisabled(this.bootstrapHash)) {
					valid.add(id);
				}
			}
			else {
				stored.add(id);
			}
		}
		if (!stored.isEmpty()) {
			valid.addAll(this.keys.findActiveIds(stored));
		}
		return valid;
	}

	/**
	 * The caller a presented key stands for, if the key is known and not revoked. Asked on every
	 * request, so it opens no transaction and, for a key seen in the last {@link #LOOKUP_CACHE_TTL},
	 * reads nothing; the bootstrap key's switch is read each time (it is rare once real keys exist,
	 * and switching it off must end it on every replica at once).
	 */
	public Optional<Caller> authenticate(String presented) {
		if (presented == null || presented.isEmpty() || presented.length() > 512) {
			return Optional.empty();
		}
		String hash = KeyMaterial.hash(presented);
		if (isBootstrap(hash)) {
			return this.bootstrapSwitch.isDisabled(hash) ? Optional.empty()
					: Optional.of(new Caller(BOOTSTRAP_ID, BOOTSTRAP_NAME, Role.ADMIN, null));
		}
		if (!KeyMaterial.looksLikeKey(presented)) {
			return Optional.empty();
		}
		Optional<Caller> cached = this.lookups.getIfPresent(hash);
		if (cached != null) {
			return cached;
		}
		Optional<Caller> found = lookUp(hash);
		this.lookups.put(hash, found);
		return found;
	}

	/** One statement on a pooled connection in auto-commit: no entity, no transaction. */
	private Optional<Caller> lookUp(String hash) {
		return this.jdbc
			.sql("select id, name, role, device_id from api_key where key_hash = ? and revoked_at is null")
			.param(hash)
			.query((rs, row) -> new Caller(rs.getObject("id", UUID.class), rs.getString("name"),
					Role.valueOf(rs.getString("role")), rs.getString("device_id")))
			.optional();
	}

	/**
	 * Forgets every looked-up key now and again once the transaction that revokes keys ends, so
	 * that a lookup which read the key before the commit is dropped too. A lookup that reads before
	 * the commit and stores after the second clearing is kept at most for the TTL, like a revocation
	 * made on another replica.
	 */
	private void forgetLookups() {
		this.lookups.invalidateAll();
		if (TransactionSynchronizationManager.isSynchronizationActive()) {
			TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
				@Override
				public void afterCompletion(int status) {
					ApiKeyService.this.lookups.invalidateAll();
				}
			});
		}
	}

	/**
	 * Why a presented key was refused, for the audit trail. A well-formed unknown key is named by
	 * a prefix of its hash: it carries 256 random bits, so the prefix reveals nothing. Anything else
	 * may be a password typed into the wrong place and is not fingerprinted.
	 */
	@Transactional(readOnly = true)
	Refusal refusalOf(String presented) {
		if (presented != null && presented.length() <= 512 && isBootstrap(KeyMaterial.hash(presented))) {
			return new Refusal("bootstrap_disabled", BOOTSTRAP_ID.toString(), BOOTSTRAP_NAME);
		}
		if (presented == null || presented.isEmpty() || presented.length() > 512 || !KeyMaterial.looksLikeKey(presented)) {
			return new Refusal("malformed", null, null);
		}
		String hash = KeyMaterial.hash(presented);
		return this.keys.findByKeyHash(hash)
			.map((key) -> key.isActive() ? new Refusal("not_usable", key.id().toString(), key.name())
					: new Refusal("revoked", key.id().toString(), key.name()))
			.orElseGet(() -> new Refusal("unknown", "sha256:" + hash.substring(0, 16), null));
	}

	@Transactional
	public CreatedApiKey create(String name, Role role, Caller by) {
		String key = KeyMaterial.newKey();
		ApiKey saved = this.keys.save(new ApiKey(UUID.randomUUID(), name, role, KeyMaterial.hash(key), null, now()));
		this.audit.record(by.actor(), "api_key.created", "api_key", saved.id().toString(),
				"name=" + name + " role=" + role);
		return new CreatedApiKey(saved.id(), saved.name(), saved.role(), key, saved.createdAt());
	}

	/**
	 * Switches the configured bootstrap key off on every replica, for good: once a real ADMIN key
	 * exists, a key that sits in configuration is only a risk. Refused while no other ADMIN key
	 * works, so nobody locks the fleet out.
	 */
	@Transactional
	void disableBootstrap(Caller by) {
		if (this.bootstrapHash == null) {
			throw new NotFound("Bootstrap key");
		}
		if (this.bootstrapSwitch.isDisabled(this.bootstrapHash)) {
			return;
		}
		if (this.keys.countActiveAdminKeys() == 0) {
			throw new Conflict("no_other_admin_key",
					"Create an ADMIN API key before switching the bootstrap key off; it is the only ADMIN key that works");
		}
		if (this.bootstrapSwitch.disable(this.bootstrapHash, by.actor(), now())) {
			this.audit.record(by.actor(), "api_key.bootstrap_disabled", "api_key", BOOTSTRAP_ID.toString(),
					"name=" + BOOTSTRAP_NAME);
		}
	}

	private boolean isBootstrap(String hash) {
		return this.bootstrapHash != null && KeyMaterial.sameHash(hash, this.bootstrapHash);
	}

	@Transactional(readOnly = true)
	List<ApiKey> list() {
		return this.keys.findAllPersonKeys();
	}

	/** The ADMIN and STATION keys as the API lists them: never a key or its hash. */
	@Transactional(readOnly = true)
	public List<ApiKeyView> views() {
		return list().stream().map(ApiKeyView::of).toList();
	}

	@Transactional
	public void revoke(UUID id, Caller by) {
		// Locked, so a revocation that waited on another sees it done and audits nothing a second time.
		ApiKey key = this.keys.findByIdForUpdate(id)
			.filter((candidate) -> candidate.role() != Role.DEVICE)
			.orElseThrow(() -> new NotFound("API key"));
		if (key.isActive()) {
			key.revoke(now());
			forgetLookups();
			this.audit.record(by.actor(), "api_key.revoked", "api_key", id.toString(), "name=" + key.name());
		}
	}

	/**
	 * A new device key bound to one device; every earlier key of that device stops working in the
	 * same transaction. Returns the plaintext, which exists nowhere else.
	 */
	@Transactional
	public String issueDeviceKey(String deviceId, String actor) {
		Instant now = now();
		this.keys.revokeDeviceKeys(deviceId, now);
		forgetLookups();
		String key = KeyMaterial.newKey();
		ApiKey saved = this.keys
			.save(new ApiKey(UUID.randomUUID(), "device:" + deviceId, Role.DEVICE, KeyMaterial.hash(key), deviceId, now));
		this.audit.record(actor, "device_key.issued", "device", deviceId, "keyId=" + saved.id());
		return key;
	}

	/** Every key of a device stops working at once. */
	@Transactional
	public int revokeDeviceKeys(String deviceId) {
		forgetLookups();
		return this.keys.revokeDeviceKeys(deviceId, now());
	}

	private Instant now() {
		return this.clock.instant();
	}

	record Refusal(String reason, String subjectId, String keyName) {
	}

	public record CreatedApiKey(UUID id, String name, Role role, String key, Instant createdAt) {

		@Override
		public String toString() {
			return "CreatedApiKey[id=" + this.id + ", name=" + this.name + ", role=" + this.role + ", key=***]";
		}

	}

}
