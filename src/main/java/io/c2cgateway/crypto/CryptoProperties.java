package io.c2cgateway.crypto;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code GATEWAY_CRYPTO_KEYS}: {@code id:base64key[,id:base64key…]}, 256-bit AES keys; the first
 * encrypts, all decrypt.
 */
@ConfigurationProperties("gateway.crypto")
record CryptoProperties(String keys) {

	@Override
	public String toString() {
		return "CryptoProperties[keys=***]";
	}

}
