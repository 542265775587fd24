package io.c2cgateway.security;

/** What a key may do; see the contract's role table. */
public enum Role {

	ADMIN, STATION, DEVICE

}
