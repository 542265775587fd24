package io.c2cgateway.devicemodel;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.c2cgateway.crypto.SealedColumn;

@Configuration(proxyBeanMethods = false)
class DeviceModelConfiguration {

	@Bean
	SealedColumn deviceModelClientSecret() {
		return new SealedColumn("device_model", "client_secret_enc", "model", "client_secret");
	}

}
