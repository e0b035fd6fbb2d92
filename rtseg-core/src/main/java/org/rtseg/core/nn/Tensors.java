package org.rtseg.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Two rules for NDArrays in differentiable code, each working around how DJL's PyTorch engine
 * manages memory.
 *
 * <ul>
 *   <li>Multiply or divide by {@link #scalar} arrays, never by a Java number: {@code x.mul(2f)}
 *       wraps the number in a tensor over Java-owned memory and closes it at once, but autograd
 *       keeps that tensor for the backward pass, which then reads freed memory (random gradients).
 *   <li>Start computations on a parameter from {@link #inScope}: an op's result belongs to its
 *       first operand's manager, so arithmetic on a parameter would otherwise pile up in the
 *       model's manager for the whole run.
 * </ul>
 */
public final class Tensors {

    private Tensors() {}

    /**
     * A float32 scalar that lives as long as {@code like}'s manager.
     *
     * @param like gives the manager and device
     * @param value the scalar's value, rounded to float
     * @return a 0-d float32 array on {@code like}'s device
     */
    public static NDArray scalar(NDArray like, double value) {
        return like.getManager().create((float) value).toDevice(like.getDevice(), false);
    }

    /**
     * A float32 scalar in a given scope.
     *
     * @param scope owns the scalar
     * @param like gives the device
     * @param value the scalar's value, rounded to float
     * @return a 0-d float32 array on {@code like}'s device
     */
    public static NDArray scalar(NDManager scope, NDArray like, double value) {
        return scope.create((float) value).toDevice(like.getDevice(), false);
    }

    /**
     * A copy of {@code parameter} owned by {@code scope}, with the gradient path to it intact.
     *
     * @param scope owns the copy
     * @param parameter the parameter's array
     * @return an array equal to {@code parameter} whose gradient flows back to it
     */
    public static NDArray inScope(NDManager scope, NDArray parameter) {
        return scope.zeros(parameter.getShape(), parameter.getDataType(), parameter.getDevice()).add(parameter);
    }
}
