package io.c2cgateway.security;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import jakarta.persistence.LockModeType;

import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Lock;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;

interface ApiKeys extends JpaRepository<ApiKey, UUID> {

	Optional<ApiKey> findByKeyHash(String keyHash);

	/** The key, its row locked until the transaction ends: two revocations of one key run in turn. */
	@Lock(LockModeType.PESSIMISTIC_WRITE)
	@Query("select k from ApiKey k where k.id = :id")
	Optional<ApiKey> findByIdForUpdate(UUID id);

	@Query("select k.id from ApiKey k where k.id in :ids and k.revokedAt is null")
	List<UUID> findActiveIds(Collection<UUID> ids);

	@Query("select k from ApiKey k where k.role <> io.c2cgateway.security.Role.DEVICE order by k.createdAt, k.id")
	List<ApiKey> findAllPersonKeys();

	@Query("select count(k) from ApiKey k where k.role = io.c2cgateway.security.Role.ADMIN and k.revokedAt is null")
	long countActiveAdminKeys();

	@Modifying
	@Query("update ApiKey k set k.revokedAt = :at where k.deviceId = :deviceId and k.revokedAt is null")
	int revokeDeviceKeys(String deviceId, Instant at);

}
