package io.c2cgateway.device;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

import org.springframework.stereotype.Component;

import io.c2cgateway.crypto.Secret;
import io.c2cgateway.crypto.SecretBox;
import io.c2cgateway.devicemodel.DeviceModelService;
import io.c2cgateway.frameio.ClientCredentials;

/**
 * The access token a pairing's device holds now, for the calls the gateway makes with it on the
 * device's behalf (Frame.io's device endpoints). Only while the device's tokens are still those of
 * that pairing: once the device was paired again, revoked or must re-authorize, there is nothing
 * to ask with. The token is read as stored, never refreshed for this: a refresh spends the
 * device's refresh token.
 */
@Component
public class PairingAccess {

	private final DeviceStore store;

	private final SecretBox box;

	private final DeviceModelService models;

	PairingAccess(DeviceStore store, SecretBox box, DeviceModelService models) {
		this.store = store;
		this.box = box;
		this.models = models;
	}

	/** The device's current access token and credentials while its tokens are those of {@code pairingId}. */
	public Optional<Access> of(String deviceId, UUID pairingId) {
		Optional<DeviceRow> found = this.store.find(deviceId);
		if (found.isEmpty()) {
			return Optional.empty();
		}
		DeviceRow device = found.get();
		if (!pairingId.equals(device.lastPairingId()) || !DeviceRow.PAIRED.equals(device.state())
				|| device.sealedAccessToken() == null) {
			return Optional.empty();
		}
		Secret token = this.box.open(device.sealedAccessToken(), TokenRefresher.TABLE, "access_token", deviceId);
		ClientCredentials client = new ClientCredentials(device.model(), deviceId,
				this.models.upstreamSettings(device.model()).clientSecret(), device.clientVersion());
		return Optional.of(new Access(client, token, device.accessTokenExpiresAt()));
	}

	/** An access token and whom it is for; {@code expiresAt} as Frame.io stated it. */
	public record Access(ClientCredentials client, Secret accessToken, Instant expiresAt) {
	}

}
