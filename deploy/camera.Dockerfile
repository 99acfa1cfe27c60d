# A simulated camera: GStreamer's RTSP server looping the shipped CC0 fire clip without re-encoding.
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends python3 python3-gi \
      gir1.2-gst-rtsp-server-1.0 gstreamer1.0-rtsp gstreamer1.0-plugins-base \
      gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-libav ffmpeg \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /camera
COPY video/rtsp_testserver.py firegrid/demo/clips/house6.mp4 ./
RUN ffmpeg -loglevel error -i house6.mp4 -an -c:v copy -bsf:v h264_mp4toannexb house6.264
EXPOSE 8554
CMD ["python3", "rtsp_testserver.py", "--port", "8554", "--mount", "/fire=house6.264:loop"]
