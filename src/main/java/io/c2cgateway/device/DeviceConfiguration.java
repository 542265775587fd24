package io.c2cgateway.device;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.c2cgateway.crypto.SealedColumn;

@Configuration(proxyBeanMethods = false)
class DeviceConfiguration {

	@Bean
	SealedColumn deviceAccessToken() {
		return new SealedColumn("device", "access_token_enc", "device_id", "access_token");
	}

	@Bean
	SealedColumn deviceRefreshToken() {
		return new SealedColumn("device", "refresh_token_enc", "device_id", "refresh_token");
	}

}
