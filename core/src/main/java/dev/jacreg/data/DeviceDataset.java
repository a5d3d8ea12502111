package dev.jacreg.data;

import dev.jacreg.DType;
import dev.jacreg.Device;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;

/**
 * A dataset copied once into native memory as N×1×H×W images and int64 labels, so batches are
 * gathered by libtorch (index_select) with no per-pixel Java loop. Owns its tensors (a detached owner: they belong
 * to no scope).
 */
public final class DeviceDataset implements AutoCloseable {
    private final TensorScope owned = TensorScope.detached();
    private final Tensor images;
    private final Tensor labels;
    private final int count;
    private final int numClasses;

    /**
     * On {@link Device#defaultDevice()}.
     *
     * @param data the images and labels to copy
     * @param dtype the images' floating-point type on the device
     */
    public DeviceDataset(DigitDataset data, DType dtype) {
        this(data, dtype, Device.defaultDevice());
    }

    /**
     * The images (as {@code dtype}) and labels on {@code device}.
     *
     * @param data the images and labels to copy
     * @param dtype the images' floating-point type on the device
     * @param device where the copies go
     */
    public DeviceDataset(DigitDataset data, DType dtype, Device device) {
        device.requireAvailable("(DeviceDataset)");
        this.count = data.count();
        this.numClasses = data.numClasses();
        try (TensorScope scope = TensorScope.open()) {
            Tensor floats = Tensor.of(data.pixels(), count, 1, data.height(), data.width());
            Tensor typed = dtype == DType.FLOAT32 ? floats : floats.to(dtype);
            Tensor labelTensor = Tensor.of(data.labels(), count);
            this.images = owned.take(typed.device().equals(device) ? typed : typed.to(device));
            this.labels = owned.take(labelTensor.device().equals(device) ? labelTensor : labelTensor.to(device));
        }
    }

    /** {@return where the images and labels are} */
    public Device device() {
        return images.device();
    }

    /** {@return the N×1×H×W images} */
    public Tensor images() {
        return images;
    }

    /** {@return the N int64 labels} */
    public Tensor labels() {
        return labels;
    }

    /** {@return the number N of images} */
    public int count() {
        return count;
    }

    /** {@return the number of classes} */
    public int numClasses() {
        return numClasses;
    }

    /** {@return the per-pixel mean image, 1×1×H×W (new tensor in the current scope)} */
    public Tensor meanImage() {
        return images.mean(new long[]{0}, true);
    }

    @Override
    public void close() {
        if (!owned.isClosed()) owned.close();
    }
}
