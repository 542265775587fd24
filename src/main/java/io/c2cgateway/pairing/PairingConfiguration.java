package io.c2cgateway.pairing;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.c2cgateway.crypto.SealedColumn;

@Configuration(proxyBeanMethods = false)
class PairingConfiguration {

	@Bean
	SealedColumn pairingDeviceCode() {
		return new SealedColumn("pairing", "device_code_enc", "id", "device_code");
	}

}
