/* not_image — a well-formed shared object that is not a firmware image: it
 * has no board glue, so it exports no linkrig_firmware_image. */
__attribute__((visibility("default"))) int not_image_answer(void);

int not_image_answer(void)
{
    return 42;
}
