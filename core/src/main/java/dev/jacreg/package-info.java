/**
 * jacreg's core: libtorch tensors from Java through the FFM API, with autograd up to double backward.
 *
 * <p>{@link dev.jacreg.Tensor} is a handle on a libtorch tensor; {@link dev.jacreg.TensorScope} owns the tensors made
 * while it is open and frees them when it closes (the JDK's {@code Arena} style), so no code frees tensors one by one.
 * {@link dev.jacreg.Autograd#grad} exposes {@code torch.autograd.grad} with {@code create_graph}, which the Jacobian
 * penalty differentiates a second time. {@link dev.jacreg.Ops} is generated from the shim's op table
 * ({@code native/include/jacreg_ops.def}); {@link dev.jacreg.Functional} adds the composite functions.
 * {@link dev.jacreg.Torch} and {@link dev.jacreg.Device} hold process settings (threads, the default device);
 * every libtorch error arrives as a {@link dev.jacreg.TorchException}.
 */
package dev.jacreg;
