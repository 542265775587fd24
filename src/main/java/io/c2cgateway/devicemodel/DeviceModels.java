package io.c2cgateway.devicemodel;

import java.util.List;

import org.springframework.data.jpa.repository.JpaRepository;

interface DeviceModels extends JpaRepository<DeviceModel, String> {

	List<DeviceModel> findAllByOrderByModel();

}
